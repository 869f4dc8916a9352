import Foundation
import GRDB

/// How both stores open their SQLite files: a `DatabasePool` in WAL mode that waits for other writers
/// instead of failing at once, and migrations that tolerate several processes creating one file together.
public enum SQLiteFile {
    /// A pool on the file at `path`, created when missing, waiting up to `busyTimeout` seconds for the
    /// locks of other connections and processes.
    public static func pool(path: String, busyTimeout: TimeInterval) throws -> DatabasePool {
        try DatabasePool(path: path, configuration: configuration(busyTimeout: busyTimeout))
    }

    /// One read-only connection to the existing file at `path`: it never writes to the file, not even to
    /// create the WAL, so reading leaves the file as it was.
    public static func reader(path: String, busyTimeout: TimeInterval) throws -> DatabaseQueue {
        var configuration = configuration(busyTimeout: busyTimeout)
        configuration.readonly = true
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Runs the pending migrations of `migrator`. Several processes may race to create a new database: the
    /// losers' transactions roll back, and they go on once the winner's migrations are complete.
    public static func migrate(_ writer: any DatabaseWriter, with migrator: DatabaseMigrator) throws {
        for attempt in 1... {
            do {
                try migrator.migrate(writer)
                return
            } catch {
                if try writer.read(migrator.hasCompletedMigrations) { return }
                if attempt >= 5 { throw error }
            }
        }
    }

    private static func configuration(busyTimeout: TimeInterval) -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        return configuration
    }
}
