import Foundation
import GRDB
import RFC3339

/// A point in time, stored as UTC milliseconds since 1970 and shown as RFC 3339 (`2026-11-28T10:00:00Z`).
public struct Timestamp: Comparable, Hashable, Sendable, Codable, DatabaseValueConvertible, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    public init(_ date: Date) {
        milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// The years whose times incident records: far enough back for any history, far enough ahead for any
    /// plan, and each written as RFC 3339 with four digits, so that every stored time exports and imports.
    public static let supportedYears = 1970...2199

    /// The times in ``supportedYears``.
    public static let supportedRange =
        Timestamp(
            milliseconds: 0)...Timestamp(milliseconds: RFC3339.days(year: 2200, month: 1, day: 1) * 86_400_000 - 1)

    /// The times a stored value may hold: RFC 3339's years 1 to 9999. Wider than ``supportedRange``, which
    /// commands enforce on what users type (an alert or a deploy may carry a time outside it), and narrow enough
    /// that no duration, date or text made from a time overflows: a stored number beyond it was changed by hand.
    static let storableRange =
        Timestamp(
            milliseconds: RFC3339.days(year: 1, month: 1, day: 1) * 86_400_000)...Timestamp(
            milliseconds: RFC3339.days(year: 10_000, month: 1, day: 1) * 86_400_000 - 1)

    /// The time `milliseconds` after 1970 when it lies in ``supportedRange``; nil otherwise (a far-off or
    /// non-finite number is refused here rather than trapped on when converted).
    public static func supported(milliseconds: Double) -> Timestamp? {
        guard milliseconds.isFinite, milliseconds >= Double(supportedRange.lowerBound.milliseconds),
            milliseconds <= Double(supportedRange.upperBound.milliseconds)
        else { return nil }
        return Timestamp(milliseconds: Int64(milliseconds))
    }

    /// The current time, to the millisecond.
    public static var now: Timestamp { Timestamp(Date()) }

    public var date: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    /// Seconds from `self` to `later` (negative when `later` is earlier).
    public func seconds(until later: Timestamp) -> Double {
        Double(later.milliseconds - milliseconds) / 1000
    }

    /// Seconds from `from` to `to`; nil when either is unknown.
    public static func seconds(from: Timestamp?, to: Timestamp?) -> Double? {
        guard let from, let to else { return nil }
        return from.seconds(until: to)
    }

    public func adding(seconds: Double) -> Timestamp {
        Timestamp(milliseconds: milliseconds + Int64((seconds * 1000).rounded()))
    }

    /// RFC 3339 in UTC; milliseconds are shown only when there are some, so that nothing is lost.
    public var description: String {
        RFC3339.format(milliseconds: milliseconds, fraction: .whenNonZero)
    }

    /// The day in UTC, `YYYY-MM-DD`.
    public var utcDay: String { String(description.prefix(10)) }

    /// Parses RFC 3339 with a `Z` or numeric offset, with or without fractional seconds (rounded to the
    /// millisecond).
    public init?(rfc3339 text: String) {
        guard let milliseconds = RFC3339.milliseconds(from: text) else { return nil }
        self.milliseconds = milliseconds
    }

    public var databaseValue: DatabaseValue { milliseconds.databaseValue }

    /// A stored time; nil outside ``storableRange``.
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Timestamp? {
        Int64.fromDatabaseValue(dbValue).map(Timestamp.init(milliseconds:)).flatMap {
            storableRange.contains($0) ? $0 : nil
        }
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
