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

    /// Seconds from `from` to `to`; nil when either is unknown.
    public static func seconds(from: Timestamp?, to: Timestamp?) -> Double? {
        guard let from, let to else { return nil }
        return from.seconds(until: to)
    }

    public func adding(seconds: Double) -> Timestamp {
        Timestamp(milliseconds: milliseconds + Int64((seconds * 1000).rounded()))
    }

    private static let wholeSeconds = Date.ISO8601FormatStyle()
    private static let millisecondsPerDay: Int64 = 86_400_000

    /// RFC 3339 in UTC; milliseconds are shown only when there are some, so that nothing is lost.
    /// Written by calendar arithmetic rather than a format style: exact for fractions, proleptic Gregorian
    /// before 1582 as RFC 3339 wants, and fast enough for exports of millions of events.
    public var description: String {
        let days = Self.floorDivide(milliseconds, Self.millisecondsPerDay)
        let (year, month, day) = CivilDate.civil(days: days)
        guard (0...9999).contains(year) else { return date.formatted(Self.wholeSeconds) }
        let inDay = milliseconds - days * Self.millisecondsPerDay
        var text = [UInt8]()
        text.reserveCapacity(24)
        func digits(_ value: Int64, _ count: Int, then separator: Character?) {
            var divisor: Int64 = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                text.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
            if let separator { text.append(separator.asciiValue!) }
        }
        digits(year, 4, then: "-")
        digits(month, 2, then: "-")
        digits(day, 2, then: "T")
        digits(inDay / 3_600_000, 2, then: ":")
        digits(inDay / 60_000 % 60, 2, then: ":")
        digits(inDay / 1000 % 60, 2, then: inDay % 1000 == 0 ? nil : ".")
        if inDay % 1000 != 0 { digits(inDay % 1000, 3, then: nil) }
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }

    /// Parses RFC 3339 with a `Z` or numeric offset, with or without fractional seconds (rounded to the
    /// millisecond). The form this type writes is read directly; other forms go through a format style.
    public init?(rfc3339 text: String) {
        if let canonical = Self.canonical(text) {
            guard let canonical else { return nil }
            self = canonical
            return
        }
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

    /// Reads `YYYY-MM-DDTHH:MM:SSZ` and `YYYY-MM-DDTHH:MM:SS.mmmZ` in the proleptic Gregorian calendar, as
    /// RFC 3339 wants (Foundation's format style switches to the Julian calendar before 1582), checking every
    /// field's range. Returns nil for text of another shape, and `.some(nil)` for an impossible time.
    private static func canonical(_ text: String) -> Timestamp?? {
        let bytes = Array(text.utf8)
        guard bytes.count == 20 || bytes.count == 24, bytes.last == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int64(digit)
            }
            return value
        }
        let separators: [(Int, Character)] = [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":")]
        guard separators.allSatisfy({ bytes[$0.0] == $0.1.asciiValue }) else { return nil }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), day >= 1, hour < 24, minute < 60, second < 60 else { return .some(nil) }
        var fraction: Int64 = 0
        if bytes.count == 24 {
            guard bytes[19] == UInt8(ascii: "."), let value = number(20..<23) else { return .some(nil) }
            fraction = value
        }
        let days = CivilDate.days(year: year, month: month, day: day)
        let nextMonth = month == 12 ? CivilDate.days(year: year + 1, month: 1, day: 1)
            : CivilDate.days(year: year, month: month + 1, day: 1)
        guard days < nextMonth else { return .some(nil) }
        return Timestamp(milliseconds: days * millisecondsPerDay + ((hour * 60 + minute) * 60 + second) * 1000
                         + fraction)
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
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

/// Days since 1970-01-01 to and from proleptic Gregorian dates, after Howard Hinnant's `days_from_civil`
/// and `civil_from_days` (public domain).
enum CivilDate {
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shifted = month <= 2 ? year - 1 : year
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
