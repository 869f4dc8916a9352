import Foundation

/// An error that ends a command: a sentence saying what went wrong and how to fix it, and the status the
/// process exits with (docs/contract.md, "Exit status"). Every executable ends on one the same way, with
/// ``StandardError/fail(_:_:)``.
public protocol ExitingError: Error, CustomStringConvertible {
    var exitStatus: ExitStatus { get }
}

/// A server that could not listen: the system's reason, and the setting that chooses another address.
public struct ListenFailure: ExitingError {
    public let reason: SystemError
    /// The flag or variable that sets the address, named in the hint: `--listen`, `--port or APP_PORT`.
    public let setting: String

    public init(_ reason: SystemError, setting: String) {
        self.reason = reason
        self.setting = setting
    }

    public var exitStatus: ExitStatus { .unavailable }

    public var description: String {
        reason.code == EADDRINUSE
            ? "\(reason) (another process holds it); choose another port with \(setting)"
            : "\(reason); check \(setting)"
    }
}

extension StandardError {
    /// Prints `program: error: reason` as one line and returns the status to exit with.
    public static func fail(_ program: String, _ error: any ExitingError) -> Int32 {
        print("\(program): error: \(error)")
        return error.exitStatus.rawValue
    }
}
