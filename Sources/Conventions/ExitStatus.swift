/// The exit statuses both executables end with, from sysexits(3), so that scripts can tell a typo from an
/// outage (docs/contract.md, "Exit status").
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// Done.
    case success = 0
    /// Bad command-line input or setting: a malformed time, an unknown severity, a bad `APP_PORT`.
    case usage = 64
    /// A request that contradicts the record, or malformed input data.
    case dataError = 65
    /// An unknown incident or action item, or a missing input file.
    case noInput = 66
    /// A service that must be reached cannot be: the target app, a port to listen on.
    case unavailable = 69
    /// A database or file cannot be read or written: corrupt, newer, disk full, unwritable output.
    case ioError = 74
    /// A token was refused.
    case noPermission = 77
}
