import Foundation

/// A failed system call: what was attempted and the system's reason for `errno`.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What failed, such as `cannot connect to 127.0.0.1:8080`.
    public let operation: String
    /// The `errno` value the call left.
    public let code: Int32

    /// The failure of `operation`, with the current `errno`.
    public init(_ operation: String, code: Int32 = errno) {
        self.operation = operation
        self.code = code
    }

    /// The system's text for `code`, such as `Connection refused`.
    public var reason: String { Self.reason(code) }

    public var description: String { "\(operation): \(reason)" }

    /// The system's text for an `errno` value.
    public static func reason(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
