import ArgumentParser
import IncidentKit

/// `--author`: who writes the timeline entries of a command.
struct AuthorOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Who records this (default: $INCIDENT_AUTHOR, else git's user.name, else $USER).", valueName: "name"))
    var author: String?

    var name: String { Author.resolve(explicit: author) }
}
