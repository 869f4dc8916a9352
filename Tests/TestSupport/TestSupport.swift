import Conventions
import Foundation
import GRDB
import PostgresSupport

/// A fresh directory under the system's temporary directory, removed when the value is released.
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("incident-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of `name` inside the directory.
    public func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}

/// The executable `name` that `swift test` built next to the test bundle, or the path in the
/// environment variable `override` when it is set.
public func builtProduct(_ name: String, override: String) -> URL {
    if let path = ProcessInfo.processInfo.environment[override] { return URL(fileURLWithPath: path) }
    return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name)
}

/// Every row of every table of the SQLite file at `path`, as text: equal dumps mean equal contents.
public func databaseContents(_ path: String) throws -> String {
    if PostgresAddress.isAddress(path) { return try TestPostgres.contents(of: path) }
    var configuration = Configuration()
    configuration.readonly = true
    let queue = try DatabaseQueue(path: path, configuration: configuration)
    return try queue.read { db in
        let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        return try tables.map { table in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM \(table.quotedDatabaseIdentifier) ORDER BY rowid")
            return "\(table)\n" + rows.map(\.description).joined(separator: "\n")
        }.joined(separator: "\n")
    }
}

/// Records a migration this binary does not know in the database at `path`, as a newer `incident` would.
public func recordUnknownMigration(_ path: String) throws {
    let queue = try DatabaseQueue(path: path)
    try queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations VALUES ('v99 from the future')") }
    try queue.close()
}

/// Runs `sql` on the SQLite file at `path`, or the PostgreSQL database it names, as another program would;
/// without `foreignKeys`, as the `sqlite3` shell does, which lets a row point to a missing one.
public func execute(on path: String, _ sql: String, foreignKeys: Bool = true) throws {
    if PostgresAddress.isAddress(path) {
        try PostgresConnection(path).execute(sql)
        return
    }
    var configuration = Configuration()
    configuration.foreignKeysEnabled = foreignKeys
    let queue = try DatabaseQueue(path: path, configuration: configuration)
    try queue.write { try $0.execute(sql: sql) }
    try queue.close()
}

/// Makes every insert into `table` fail, as a database in trouble would, in the SQLite file or PostgreSQL
/// database at `location`.
public func refuseInserts(into table: String, on location: String) throws {
    try execute(
        on: location,
        PostgresAddress.isAddress(location)
            ? """
            CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RAISE 'disk on fire'; END$$;
            CREATE TRIGGER refuse BEFORE INSERT ON \(table) FOR EACH ROW EXECUTE FUNCTION refuse();
            """
            : "CREATE TRIGGER refuse BEFORE INSERT ON \(table) BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;")
}

/// Whether an executable named `name` is on the PATH, for tests that need an outside tool (promtool,
/// prometheus) and are skipped without it.
public func toolAvailable(_ name: String) -> Bool {
    (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").contains { directory in
        FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)")
    }
}

/// Runs `executable` to completion with `input` on its standard input, and returns its status, standard output
/// and standard error. The streams go through files and the wait holds no thread: tests share a few, and a
/// blocked one starves the timing-sensitive tests beside it. `environment` nil passes this process's on.
public func runProcess(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: Data = Data()
) async throws -> (status: Int32, output: String, errors: String) {
    let directory = try TemporaryDirectory()
    let (inputFile, outputFile, errorFile) = (directory.path("in"), directory.path("out"), directory.path("err"))
    try input.write(to: URL(fileURLWithPath: inputFile))
    let process = try ChildProcess(
        executable, arguments, environment: environment, input: inputFile, output: outputFile, errors: errorFile)
    let status = await process.waitUntilExit()
    return (
        status, String(decoding: try Data(contentsOf: URL(fileURLWithPath: outputFile)), as: UTF8.self),
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: errorFile)), as: UTF8.self)
    )
}

/// Random text for property tests of escaping: ASCII with its control characters, two-byte letters,
/// punctuation and invisible characters (U+2000–U+206F), the private-use area and emoji; up to `maxLength`
/// characters.
public func randomText(maxLength: Int = 24, using random: inout some RandomNumberGenerator) -> String {
    let pool: [ClosedRange<UInt32>] = [0...0x7F, 0x80...0x7FF, 0x2000...0x206F, 0xE000...0xFFFD, 0x1F600...0x1F64F]
    var text = ""
    for _ in 0..<Int.random(in: 0...maxLength, using: &random) {
        let range = pool.randomElement(using: &random)!
        text.unicodeScalars.append(Unicode.Scalar(UInt32.random(in: range, using: &random))!)
    }
    return text
}
