import Foundation
import GRDB

/// A point in time, stored as UTC milliseconds since 1970 and shown as RFC 3339 (`2026-11-28T10:00:00Z`).
public struct Timestamp: Comparable, Hashable, Sendable, Codable, DatabaseValueConvertible, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    public init(_ date: Date) {
        milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// The current time, to the millisecond.
    public static var now: Timestamp { Timestamp(Date()) }

    public var date: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    /// Seconds from `self` to `later` (negative when `later` is earlier).
    public func seconds(until later: Timestamp) -> Double {
        Double(later.milliseconds - milliseconds) / 1000
    }

    public func adding(seconds: Double) -> Timestamp {
        Timestamp(milliseconds: milliseconds + Int64((seconds * 1000).rounded()))
    }

    private static let wholeSeconds = Date.ISO8601FormatStyle()

    /// RFC 3339 in UTC; milliseconds are shown only when there are some, so that nothing is lost.
    /// They are written and read here, not by the format style, whose fractions are not exact.
    public var description: String {
        let (seconds, fraction) = (milliseconds - Self.modulo(milliseconds), Self.modulo(milliseconds))
        let base = Date(timeIntervalSince1970: Double(seconds / 1000)).formatted(Self.wholeSeconds)
        return fraction == 0 ? base : base.dropLast() + String(format: ".%03dZ", fraction)
    }

    /// Parses RFC 3339 with a `Z` or numeric offset, with or without fractional seconds (rounded to the
    /// millisecond).
    public init?(rfc3339 text: String) {
        var whole = text
        var fraction: Int64 = 0
        if let dot = text.firstIndex(of: "."), dot > text.index(text.startIndex, offsetBy: min(16, text.count)) {
            let digits = text[text.index(after: dot)...].prefix(while: \.isASCII).prefix(while: \.isNumber)
            guard !digits.isEmpty, let value = Double("0." + digits) else { return nil }
            fraction = Int64((value * 1000).rounded())
            whole = String(text[..<dot]) + text[text.index(dot, offsetBy: digits.count + 1)...]
        }
        guard let date = try? Self.wholeSeconds.parse(whole) else { return nil }
        self.init(milliseconds: Int64(date.timeIntervalSince1970.rounded()) * 1000 + fraction)
    }

    /// The milliseconds past the whole second, 0…999 even before 1970.
    private static func modulo(_ milliseconds: Int64) -> Int64 {
        (milliseconds % 1000 + 1000) % 1000
    }

    public var databaseValue: DatabaseValue { milliseconds.databaseValue }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Timestamp? {
        Int64.fromDatabaseValue(dbValue).map(Timestamp.init(milliseconds:))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let parsed = Timestamp(rfc3339: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 time: \(text)")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.milliseconds < rhs.milliseconds
    }
}
