import ArgumentParser
import IncidentKit

/// The options every command that changes an incident shares.
struct WriteOptions: ParsableArguments {
    @OptionGroup var database: DatabaseOption
    @OptionGroup var author: AuthorOption

    /// The moment the command runs; `--at` defaults to it and future times are judged against it.
    let now = Timestamp.now

    /// Reads a `--at`-style time; nil means now.
    func time(_ text: String?) throws -> Timestamp {
        guard let text else { return now }
        return try TimeInput.parse(text, now: now)
    }

    enum CodingKeys: CodingKey {
        case database, author
    }
}

/// The help of every `--at` option.
let atHelp = ArgumentHelp("When it happened: \(TimeInput.help) (default: now).", valueName: "time")
