import ArgumentParser
import Foundation
import IncidentKit

/// `--db`: which database file a command uses.
struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The database file (default: $INCIDENT_DB, else ~/.local/share/incident/incidents.db).",
        valueName: "path"))
    var db: String?

    var path: String { IncidentStore.location(explicit: db) }

    /// Opens the store for a command that writes: the file is created on first use, and removed again if
    /// the command then fails (see ``IncidentCommand/main()``).
    func openForWriting() throws -> IncidentStore {
        let store = try IncidentStore.open(path: path, ifMissing: .create)
        if store.createdFile { CreatedDatabase.path = path }
        return store
    }

    /// Opens the store for a command that only reads: a missing file reads as an empty history.
    func openForReading() throws -> IncidentStore {
        try IncidentStore.open(path: path, ifMissing: .readEmpty)
    }
}

/// The database file this process created, if any: a command that fails after creating it removes it, so
/// that a refused first command leaves no empty database behind. The CLI runs one command on one thread.
enum CreatedDatabase {
    nonisolated(unsafe) static var path: String?

    /// Removes the created file and its WAL companions.
    static func remove() {
        guard let path else { return }
        for file in [path, path + "-wal", path + "-shm"] { try? FileManager.default.removeItem(atPath: file) }
    }
}

/// `--author`: who writes the timeline entries of a command.
struct AuthorOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Who records this (default: $INCIDENT_AUTHOR, else git's user.name, else $USER).", valueName: "name"))
    var author: String?

    var name: String { Author.resolve(explicit: author) }
}

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

/// The filters that `list` and `report` share.
struct FilterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Only incidents of this service.", valueName: "name"))
    var service: String?

    @Option(help: "Only incidents of this severity.")
    var severity: Severity?

    @Option(help: "Only injected or only real incidents.")
    var kind: IncidentKind?

    @Option(parsing: .unconditional, help: ArgumentHelp("Only incidents that started at or after this time.",
                                                       valueName: "time"))
    var since: String?

    func since(now: Timestamp) throws -> Timestamp? {
        try since.map { try TimeInput.parse($0, now: now) }
    }
}

/// The help of every `--at` option.
let atHelp = ArgumentHelp("When it happened: \(TimeInput.help) (default: now).", valueName: "time")

extension Severity: ExpressibleByArgument {}
extension IncidentKind: ExpressibleByArgument {}
extension IncidentStatus: ExpressibleByArgument {}
extension ActionKind: ExpressibleByArgument {}
extension IncidentField: ExpressibleByArgument {}

/// A command that changes one incident at one moment (`--at`), then confirms what it wrote.
protocol IncidentStep: ParsableCommand {
    var at: String? { get }
    var options: WriteOptions { get }

    /// Makes the change; `time` is `--at` (default: now).
    func apply(to store: IncidentStore, at time: Timestamp, by author: String, now: Timestamp) throws
        -> IncidentDetail
}

extension IncidentStep {
    func run() throws {
        let store = try options.database.openForWriting()
        Output.confirm(try apply(to: store, at: try options.time(at), by: options.author.name, now: options.now))
    }
}
