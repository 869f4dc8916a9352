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

    /// The start of the period that holds `date`.
    public func start(of date: Date, in calendar: Calendar) -> Date {
        switch self {
        case .week:
            return calendar.dateInterval(of: .weekOfYear, for: date)!.start
        case .month:
            return calendar.dateInterval(of: .month, for: date)!.start
        case .quarter:
            let month = calendar.component(.month, from: date)
            let year = calendar.component(.year, from: date)
            return calendar.date(from: DateComponents(year: year, month: (month - 1) / 3 * 3 + 1, day: 1))!
        }
    }

    /// The start of the period after the one starting at `start`.
    public func next(after start: Date, in calendar: Calendar) -> Date {
        switch self {
        case .week: calendar.date(byAdding: .weekOfYear, value: 1, to: start)!
        case .month: calendar.date(byAdding: .month, value: 1, to: start)!
        case .quarter: calendar.date(byAdding: .month, value: 3, to: start)!
        }
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
