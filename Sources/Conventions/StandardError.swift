import Foundation

/// Messages for people on standard error, one line each, written at once so that concurrent writers do
/// not interleave.
public enum StandardError {
    /// Writes `message` and a newline to standard error.
    public static func print(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
