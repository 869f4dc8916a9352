/// RFC 3339 times to and from milliseconds since 1970-01-01T00:00:00Z, in the proleptic Gregorian calendar
/// as RFC 3339 wants, by calendar arithmetic: exact to the millisecond, with no time zone database, no
/// format style and no Foundation, and fast enough for every request's log line and exports of millions
/// of events.
public enum RFC3339 {
    /// When a written time shows its milliseconds.
    public enum Fraction: Sendable {
        /// Always, `2026-11-29T04:09:34.000Z`: logs and the service's answers, whose width never varies.
        case always
        /// Only when they are not zero, `2026-11-28T10:00:00Z`: the CLI, where most times are whole seconds.
        case whenNonZero
    }

    static let millisecondsPerDay: Int64 = 86_400_000

    /// `milliseconds` as RFC 3339 in UTC (`Z`). Years outside 0…9999, which RFC 3339 cannot hold, are
    /// written with their sign and as many digits as they need, as ISO 8601's expanded years are.
    public static func format(milliseconds: Int64, fraction: Fraction = .whenNonZero) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        append(milliseconds: milliseconds, fraction: fraction, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends ``format(milliseconds:fraction:)`` to `bytes`, for writers that build a line of bytes.
    public static func append(milliseconds: Int64, fraction: Fraction, to bytes: inout [UInt8]) {
        let days = floorDivide(milliseconds, millisecondsPerDay)
        let (year, month, day) = civil(days: days)
        let inDay = milliseconds - days * millisecondsPerDay
        func digits(_ value: Int64, _ count: Int) {
            var divisor: Int64 = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        if (0...9999).contains(year) {
            digits(year, 4)
        } else {
            if year < 0 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(contentsOf: String(year.magnitude).utf8)
        }
        bytes.append(UInt8(ascii: "-"))
        digits(month, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(day, 2)
        bytes.append(UInt8(ascii: "T"))
        digits(inDay / 3_600_000, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(inDay / 60_000 % 60, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(inDay / 1000 % 60, 2)
        if fraction == .always || inDay % 1000 != 0 {
            bytes.append(UInt8(ascii: "."))
            digits(inDay % 1000, 3)
        }
        bytes.append(UInt8(ascii: "Z"))
    }

    /// Reads an RFC 3339 time, `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (`T` and `Z` in either case), into
    /// milliseconds since 1970; a fraction finer than a millisecond is rounded to the nearest one. Every
    /// field's range is checked (no 30 February, no hour 24); nil for anything else.
    public static func milliseconds(from text: String) -> Int64? {
        let bytes = Array(text.utf8)
        var position = 0
        func number(_ count: Int) -> Int64? {
            guard position + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[position..<position + count] {
                let digit = byte &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int64(digit)
            }
            position += count
            return value
        }
        func skip(_ allowed: String) -> Bool {
            guard position < bytes.count, allowed.utf8.contains(bytes[position]) else { return false }
            position += 1
            return true
        }
        guard let year = number(4), skip("-"), let month = number(2), skip("-"), let day = number(2), skip("Tt"),
            let hour = number(2), skip(":"), let minute = number(2), skip(":"), let second = number(2),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour < 24,
            minute < 60, second < 60
        else { return nil }
        var fraction: Int64 = 0
        if skip(".") {
            let start = position
            var scale: Int64 = 100
            var roundUp = false
            while position < bytes.count, bytes[position] &- UInt8(ascii: "0") < 10 {
                let digit = Int64(bytes[position] - UInt8(ascii: "0"))
                if position - start < 3 {
                    fraction += digit * scale
                    scale /= 10
                } else if position - start == 3 {
                    roundUp = digit >= 5
                }
                position += 1
            }
            guard position > start else { return nil }
            if roundUp { fraction += 1 }
        }
        var offsetMinutes: Int64 = 0
        if !skip("Zz") {
            guard position < bytes.count else { return nil }
            let sign: Int64 = bytes[position] == UInt8(ascii: "-") ? -1 : 1
            guard skip("+-"), let offsetHours = number(2), skip(":"), let offsetMinute = number(2),
                offsetHours < 24, offsetMinute < 60
            else { return nil }
            offsetMinutes = sign * (offsetHours * 60 + offsetMinute)
        }
        guard position == bytes.count else { return nil }
        let seconds = ((hour * 60 + minute) * 60 + second) - offsetMinutes * 60
        return days(year: year, month: month, day: day) * millisecondsPerDay + seconds * 1000 + fraction
    }

    /// The number of days in `month` (1…12) of `year`.
    public static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date, after Howard Hinnant's `days_from_civil`
    /// (public domain).
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shifted = month <= 2 ? year - 1 : year
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date `days` after 1970-01-01, after Howard Hinnant's `civil_from_days`.
    public static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
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

    /// `value / divisor` rounded towards minus infinity, so that times before 1970 fall on the right day.
    public static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return quotient * divisor > value ? quotient - 1 : quotient
    }
}
