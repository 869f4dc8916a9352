import Conventions
import Foundation

/// A bearer token and where it came from, so that a refusal can say which setting to fix. It is read from a
/// file or the environment, never from a command-line flag: flags show in `ps`.
public struct TokenInput: Sendable {
    public let value: String
    /// `$VARIABLE`, or "the token file PATH".
    public let source: String

    /// The token in `file` when one is given, else in `$variable`, without surrounding whitespace. A missing
    /// or unreadable file is ``IncidentError/missingFile(_:)``; an empty one, or no token at all, is
    /// ``IncidentError/invalidInput(_:)`` with `missing` saying how to give one.
    public static func read(
        file: String?, variable: String, missing: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> TokenInput {
        if let file {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw IncidentError.missingFile("cannot read the token file \(file): \(plainReason(error, path: file))")
            }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else {
                throw IncidentError.invalidInput("the token file \(file) is empty; write the token into it")
            }
            return TokenInput(value: token, source: "the token file \(file)")
        }
        guard let token = environment[variable]?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty
        else { throw IncidentError.invalidInput(missing) }
        return TokenInput(value: token, source: "$\(variable)")
    }
}
