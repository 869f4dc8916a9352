import ArgumentParser
import IncidentKit

/// The filters that `list` and `report` share.
struct FilterOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Only incidents of this service; a glob matches several ('ci/*': every CI pipeline).",
            valueName: "name"))
    var service: String?

    @Option(help: "Only incidents of this severity.")
    var severity: Severity?

    @Option(help: "Only injected or only real incidents.")
    var kind: IncidentKind?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Only incidents that started at or after this time.",
            valueName: "time"))
    var since: String?

    func since(now: Timestamp) throws -> Timestamp? {
        try since.map { try TimeInput.parse($0, now: now) }
    }
}
