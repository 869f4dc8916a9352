import Foundation
import RFC3339

/// Checks of user-given values, shared by every command; each failure is an ``IncidentError/invalidInput(_:)``.
public enum Validate {
    /// The most a text field may hold, in UTF-8 bytes.
    public static let maxTextBytes = 64 * 1024
    /// The most a timeline entry may hold: an `edited` entry carries a field's old and new value.
    public static let maxEventTextBytes = 2 * maxTextBytes + 1024

    /// Text stored exactly as given: it must not be blank, nor larger than `limit` bytes.
    public static func text(_ value: String, field: String, limit: Int = maxTextBytes) throws -> String {
        guard !value.allSatisfy(\.isWhitespace) else {
            throw IncidentError.invalidInput("the \(field) is empty; give some text")
        }
        guard !value.utf8.contains(0) else {
            throw IncidentError.invalidInput(
                "the \(field) contains a NUL character (U+0000), which cannot be stored; remove it")
        }
        let size = value.utf8.count
        guard size <= limit else {
            throw IncidentError.invalidInput(
                "the \(field) is \(size) bytes, more than the \(limit) allowed; shorten it or link to a document")
        }
        return value
    }

    /// The most an author's name may hold, in UTF-8 bytes.
    public static let maxAuthorBytes = 200

    /// Who writes an entry: a name on one line, without control characters, at most ``maxAuthorBytes``.
    public static func author(_ value: String) throws -> String {
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw IncidentError.invalidInput(
                "the author contains a control character (a line break, tab or escape); give a name on one line")
        }
        return try text(value, field: "author", limit: maxAuthorBytes)
    }

    /// The most a label (a version, a source key) may hold, in UTF-8 bytes.
    public static let maxLabelBytes = 200

    /// A short name on one line (a release's version, an import's source key): no space around it, no
    /// control character, at most ``maxLabelBytes``.
    public static func label(_ value: String, field: String) throws -> String {
        let breaking: Set<Unicode.GeneralCategory> = [.control, .lineSeparator, .paragraphSeparator]
        guard value == value.trimmingCharacters(in: .whitespaces),
            !value.unicodeScalars.contains(where: { breaking.contains($0.properties.generalCategory) })
        else {
            throw IncidentError.invalidInput(
                "the \(field) '\(value.prefix(80))' has a line break, control character or space around it; give it "
                    + "on one line, trimmed")
        }
        return try text(value, field: field, limit: maxLabelBytes)
    }

    /// A lower-case word such as a service name or cause category: `deploy`, `checkout-api`, `db_1`.
    public static func word(_ value: String, field: String) throws -> String {
        guard let word = lowerCaseWord(value) else {
            throw IncidentError.invalidInput(
                "the \(field) '\(value)' is not one word; use letters, digits, '.', '_' or '-' (at most 100)")
        }
        return word
    }

    /// What a service name starts with when it names a CI pipeline: `ci/build`.
    public static let pipelinePrefix = "ci/"

    /// A service name: one lower-case word (`app`, `checkout-api`), or ``pipelinePrefix`` and a word for the
    /// pipeline of a CI workflow (`ci/build`). Upper case is folded to lower case.
    public static func service(_ value: String) throws -> String {
        let lowered = value.lowercased()
        let name =
            lowered.hasPrefix(pipelinePrefix)
            ? lowerCaseWord(String(lowered.dropFirst(pipelinePrefix.count))).map { pipelinePrefix + $0 }
            : lowerCaseWord(lowered)
        guard let name else {
            throw IncidentError.invalidInput(
                "the service '\(value)' is not one word, nor \(pipelinePrefix) and one word for a CI pipeline; use "
                    + "letters, digits, '.', '_' or '-' (at most 100)")
        }
        return name
    }

    /// The characters of a lower-case word.
    static let wordCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789._-")

    /// `value` in lower case when it is one word of at most 100 letters, digits, '.', '_' or '-' that starts
    /// with a letter or digit.
    private static func lowerCaseWord(_ value: String) -> String? {
        let lowered = value.lowercased()
        guard let first = lowered.first, first.isASCII, first.isLetter || first.isNumber, lowered.count <= 100,
            lowered.allSatisfy(wordCharacters.contains)
        else { return nil }
        return lowered
    }

    /// A calendar day, `YYYY-MM-DD`, in the years incident records.
    public static func day(_ value: String, field: String = "due date") throws -> String {
        guard let midnight = RFC3339.milliseconds(from: value + "T00:00:00Z"), value.utf8.count == 10,
            Timestamp.supportedRange.contains(Timestamp(milliseconds: midnight))
        else {
            throw IncidentError.invalidInput(
                "the \(field) '\(value)' is not a day like 2026-12-31 in the years \(Timestamp.supportedYears.lowerBound) "
                    + "to \(Timestamp.supportedYears.upperBound)")
        }
        return value
    }

    public static func severity(_ value: String) throws -> Severity {
        try oneOf(Severity.self, value, field: "severity")
    }

    public static func kind(_ value: String) throws -> IncidentKind {
        try oneOf(IncidentKind.self, value, field: "kind")
    }

    static func oneOf<T: RawRepresentable & CaseIterable>(_: T.Type, _ value: String, field: String) throws -> T
    where T.RawValue == String {
        guard let parsed = T(rawValue: value.lowercased()) else {
            let choices = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw IncidentError.invalidInput("unknown \(field) '\(value)'; use one of \(choices)")
        }
        return parsed
    }
}
