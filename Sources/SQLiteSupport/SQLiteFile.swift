import Foundation
import GRDB

/// How both stores open their SQLite files: in WAL mode, waiting for other writers instead of failing at
/// once, with migrations that tolerate several processes creating one file together, and readers that work
/// where they cannot write.
public enum SQLiteFile {
    /// A pool on the file at `path`, created when missing, in WAL mode, waiting up to `busyTimeout` seconds
    /// for the locks of other connections and processes: for servers, whose reads run beside their writes.
    public static func pool(path: String, busyTimeout: TimeInterval) throws -> DatabasePool {
        try DatabasePool(path: path, configuration: configuration(busyTimeout: busyTimeout))
    }

    /// One connection that writes to the file at `path`, created when missing, for commands that run one
    /// transaction and exit: cheaper to open than a pool. Its journal mode is left as the file has it, so
    /// that a file of another program is not changed before it is recognised; ``useWAL(_:)`` sets WAL.
    public static func writer(path: String, busyTimeout: TimeInterval) throws -> DatabaseQueue {
        var configuration = configuration(busyTimeout: busyTimeout)
        // What a pool sets for WAL: a power cut may lose the last transaction, never consistency.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Puts the file in WAL mode, so that readers never wait for a writer; the mode stays with the file.
    /// The change needs the file to itself, and SQLite refuses it at once, without its busy handler, while
    /// another process reads it: then this connection goes on in the file's present mode, which is as safe
    /// and only slower, and a later one makes the change.
    public static func useWAL(_ writer: any DatabaseWriter) throws {
        do {
            try writer.writeWithoutTransaction { db in
                if try String.fetchOne(db, sql: "PRAGMA journal_mode")?.lowercased() != "wal" {
                    try db.execute(sql: "PRAGMA journal_mode = WAL")
                }
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            return
        }
    }

    /// One read-only connection to the existing file at `path`: it never writes to the file, not even to
    /// create the WAL, so reading leaves the file as it was. In a folder it cannot write, where SQLite
    /// cannot make the WAL's shared-memory file, it reads the file as immutable: with no WAL file beside it
    /// and no way to create one, nobody can be writing it.
    public static func reader(path: String, busyTimeout: TimeInterval) throws -> DatabaseQueue {
        var configuration = configuration(busyTimeout: busyTimeout)
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.read { db in _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
            return queue
        } catch let error as DatabaseError
            where [.SQLITE_READONLY, .SQLITE_CANTOPEN].contains(error.resultCode) && isImmutable(path: path)
        {
            return try DatabaseQueue(path: immutableURI(path), configuration: configuration)
        }
    }

    /// Whether nobody can write the file at `path` in WAL mode: no WAL file exists and its folder is not
    /// writable, so none can be created.
    static func isImmutable(path: String) -> Bool {
        let folder = (path as NSString).deletingLastPathComponent
        return !FileManager.default.fileExists(atPath: path + "-wal")
            && access(folder.isEmpty ? "." : folder, W_OK) != 0
    }

    /// `path` as an SQLite URI that opens it immutable.
    static func immutableURI(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        return "file:" + (absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute) + "?immutable=1"
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

/// Which file a path names now: device and inode. A writer compares it inside its transactions, so that a
/// file removed and made again by another process is noticed instead of written to unseen.
public struct FileIdentity: Equatable, Sendable {
    let device: UInt64
    let inode: UInt64

    /// The identity of the file at `path`; nil when there is none.
    public init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
    }
}
