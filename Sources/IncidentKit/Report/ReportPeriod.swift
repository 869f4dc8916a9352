import Foundation

/// The length of one row of a report's trend: calendar weeks (from Monday), months or quarters, in the
/// report's time zone.
public enum ReportPeriod: String, CaseIterable, Sendable, Codable {
    case week, month, quarter

    /// The calendar that cuts periods in `timeZone`, weeks starting on Monday as in ISO 8601.
    public static func calendar(in timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The start of the period that holds `date`: the first instant of its first local day (00:00, or
    /// the end of a daylight-saving gap that swallows midnight), found from the calendar date alone.
    public func start(of date: Date, in calendar: Calendar) -> Date {
        let day = calendar.dateComponents([.year, .month, .day, .weekday], from: date)
        switch self {
        case .week:
            // weekday: Sunday 1 … Saturday 7; weeks start on Monday.
            let monday = calendar.date(
                byAdding: .day, value: -((day.weekday! + 5) % 7), to: Self.noon(of: day, calendar))!
            return calendar.startOfDay(for: monday)
        case .month:
            return calendar.startOfDay(
                for: Self.noon(of: DateComponents(year: day.year, month: day.month, day: 1), calendar))
        case .quarter:
            return calendar.startOfDay(
                for: Self.noon(
                    of: DateComponents(year: day.year, month: (day.month! - 1) / 3 * 3 + 1, day: 1), calendar))
        }
    }

    /// The start of the period after the one starting at `start`: the start of the period holding a day
    /// safely inside the next one, so that no period inherits the shift of a daylight-saving change.
    public func next(after start: Date, in calendar: Calendar) -> Date {
        let days: Double =
            switch self {
            case .week: 7.5
            case .month: 32
            case .quarter: 93
            }
        return self.start(of: start.addingTimeInterval(days * 86_400), in: calendar)
    }

    /// Noon of a calendar day: a time every day has, whatever its daylight-saving changes.
    private static func noon(of day: DateComponents, _ calendar: Calendar) -> Date {
        calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day, hour: 12))!
    }

    /// How the period starting at `start` is named: `2026-W22`, `2026-05`, `2026-Q2`.
    public func label(of start: Date, in calendar: Calendar) -> String {
        let year = calendar.component(.year, from: start)
        let month = calendar.component(.month, from: start)
        switch self {
        case .week:
            let week = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: start)
            return String(format: "%04d-W%02d", week.yearForWeekOfYear!, week.weekOfYear!)
        case .month: return String(format: "%04d-%02d", year, month)
        case .quarter: return "\(year)-Q\((month - 1) / 3 + 1)"
        }
    }
}
