import Foundation

/// Reads the times people type during an outage (docs/contract.md, "Times").
///
/// Accepted: `now`; relative `-90s`, `-5m`, `-2h`, `-3d`, `-1h30m`, `5m ago` (and `+2m` ahead); RFC 3339 with an offset
/// (`2026-11-28T10:00:00Z`, `…+01:00`); and in the local time zone (`TZ`) `YYYY-MM-DD`,
/// `YYYY-MM-DD HH:MM[:SS]` and `HH:MM[:SS]`. A bare `HH:MM` means today, or yesterday when today's
/// would lie more than five minutes ahead (typing `23:50` just after midnight means last night).
public enum TimeInput {
    /// How far ahead of the clock a time may lie before it is refused as a typo.
    public static let futureTolerance: Double = 5 * 60

    public static let help = "now, -5m, -2h, 5m ago, 10:42, 2026-11-28 10:42, or RFC 3339"

    /// Refuses a `--since`/`--until` window that holds no time: `until` not after `since`.
    public static func requireWindow(since: Timestamp?, until: Timestamp?) throws {
        if let since, let until, until <= since {
            throw IncidentError.invalidInput("--until \(until) is not after --since \(since); swap them")
        }
    }

    public static func parse(_ input: String, now: Timestamp = .now, timeZone: TimeZone = .current) throws -> Timestamp
    {
        let text = input.trimmingCharacters(in: .whitespaces)
        let milliseconds: Double
        if text.lowercased() == "now" {
            milliseconds = Double(now.milliseconds)
        } else if let seconds = relativeSeconds(text) {
            milliseconds = Double(now.milliseconds) + seconds * 1000
        } else if let absolute = Timestamp(rfc3339: text) {
            milliseconds = Double(absolute.milliseconds)
        } else if let local = localTime(text, now: now, timeZone: timeZone) {
            milliseconds = local
        } else {
            throw IncidentError.invalidInput("cannot read the time '\(input)'; use \(help)")
        }
        guard let time = Timestamp.supported(milliseconds: milliseconds) else {
            throw IncidentError.invalidInput(
                "the time '\(input)' is outside the years \(Timestamp.supportedYears.lowerBound) to "
                    + "\(Timestamp.supportedYears.upperBound) that incident records; use \(help)")
        }
        return time
    }

    /// `-90s`, `-1h30m`, `5m ago`, `2 h ago` → negative seconds; `+2m` → positive seconds.
    private static func relativeSeconds(_ text: String) -> Double? {
        let body: Substring
        let sign: Double
        if text.hasPrefix("-") || text.hasPrefix("+") {
            (body, sign) = (text.dropFirst(), text.hasPrefix("-") ? -1 : 1)
        } else if text.lowercased().hasSuffix(" ago") {
            (body, sign) = (text.dropLast(4), -1)
        } else {
            return nil
        }
        guard let total = DurationInput.seconds(inUnits: body), total > 0 else { return nil }
        return sign * total
    }

    /// Milliseconds since 1970 of a local time; `Double` so that far-off years are refused, not trapped on.
    private static func localTime(_ text: String, now: Timestamp, timeZone: TimeZone) -> Double? {
        let pattern = #/(?:(\d{4})-(\d{2})-(\d{2}))?(?:[ T]?(\d{1,2}):(\d{2})(?::(\d{2}))?)?/#
        guard !text.isEmpty, let match = text.wholeMatch(of: pattern) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let hasDate = match.1 != nil
        guard hasDate || match.4 != nil else { return nil }
        var components =
            hasDate
            ? DateComponents(year: Int(match.1!), month: Int(match.2!), day: Int(match.3!))
            : calendar.dateComponents([.year, .month, .day], from: now.date)
        components.hour = match.4.flatMap { Int($0) } ?? 0
        components.minute = match.5.flatMap { Int($0) } ?? 0
        components.second = match.6.flatMap { Int($0) } ?? 0
        guard components.isValidDate(in: calendar), var date = calendar.date(from: components) else { return nil }
        if !hasDate, date.timeIntervalSince(now.date) > futureTolerance,
            let yesterday = calendar.date(byAdding: .day, value: -1, to: date)
        {
            date = yesterday
        }
        return (date.timeIntervalSince1970 * 1000).rounded()
    }
}
