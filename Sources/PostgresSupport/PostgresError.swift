import Foundation

/// A failure talking to PostgreSQL, sorted by what the user can do about it. Messages are libpq's or the
/// server's, one line, and never hold a password.
public struct PostgresError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The address itself is malformed (`postgres://db:abc/x`, an unknown parameter, a bad `sslmode`):
        /// libpq refused it before connecting.
        case invalidAddress
        /// No server answers there, or it went away mid-command (down, restarting, wrong host or port).
        case unavailable
        /// The server refused the credentials: a wrong password, an unknown role, no `pg_hba.conf` entry.
        case refused
        /// The database named does not exist on the server.
        case missingDatabase
        /// Another transaction's write got in the way (serialization failure, deadlock): running the same
        /// transaction again may succeed.
        case retryable
        /// A row broke a constraint (a unique key, a check).
        case constraint
        /// Any other error: a full disk on the server, a bad query.
        case other
    }

    public var kind: Kind
    public var message: String
    /// The error's SQLSTATE, when the server sent one.
    public var sqlstate: String?

    public init(_ kind: Kind, _ message: String, sqlstate: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlstate = sqlstate
    }

    public var description: String { message }

    /// The kind of an error the server reported with `sqlstate` (PostgreSQL manual, appendix A).
    static func kind(ofSQLState sqlstate: String) -> Kind {
        switch sqlstate {
        case "3D000": .missingDatabase
        case "40001", "40P01": .retryable
        case "57P01", "57P02", "57P03": .unavailable  // the server is shutting down or starting
        default:
            switch sqlstate.prefix(2) {
            case "08": .unavailable
            case "28": .refused
            case "23": .constraint
            default: .other
            }
        }
    }

    /// The kind of a failed connection, from libpq's message: connecting reports no SQLSTATE.
    static func kind(ofConnectionFailure message: String) -> Kind {
        let lowered = message.lowercased()
        if lowered.contains("password") || lowered.contains("authentication") || lowered.contains("pg_hba.conf")
            || (lowered.contains("role") && lowered.contains("does not exist"))
            || lowered.contains("permission denied")
        {
            return .refused
        }
        if lowered.contains("database") && lowered.contains("does not exist") { return .missingDatabase }
        // libpq checks the address before it connects; those messages name no server.
        if !lowered.contains("connection to server")
            && (lowered.hasPrefix("invalid ") || lowered.contains(" uri") || lowered.contains("key/value separator")
                || lowered.contains("missing \"=\""))
        {
            return .invalidAddress
        }
        return .unavailable
    }

    /// libpq's multi-line message as one line: lines joined with `; `, runs of spaces folded (`FATAL:  …`).
    static func oneLine(_ message: String) -> String {
        message.split(whereSeparator: \.isNewline)
            .map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
            .filter { !$0.isEmpty }.joined(separator: "; ")
    }
}
