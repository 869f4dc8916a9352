import Foundation
import MonitoringContract

/// Where rules run: production as the SRE workbook writes them, or the lab, where time runs 60 times faster
/// (ops/README.md, "Profiles and the scale factor"). The profiles are the monitoring contract's
/// (Sources/MonitoringContract/monitoring.json), which scripts/make_rules.py reads too.
public typealias RuleProfile = MonitoringContract.Profile

extension MonitoringContract.Profile {
    /// The workbook's durations as written.
    public static let production = MonitoringContract.current.profile("production")
    /// × 1/60, never under 4 s: one production minute is one lab second, and the shortest window (5m, so
    /// 5 s) still holds five of the lab's 1-s scrapes.
    public static let lab = MonitoringContract.current.profile("lab")

    public static let all = [production, lab]

    /// A production duration in this profile as Prometheus writes it.
    public func duration(_ production: Int) -> String {
        WindowDuration.text(seconds(production))
    }
}

/// The multi-window, multi-burn-rate alerts of the Google SRE workbook ("Alerting on SLOs", table 5-8),
/// for a 30-day window: each alert fires when the error ratio exceeds `burn` × the error budget over both
/// a long window and a short one, 1/12 of it; the long window makes it significant, the short one lets it
/// reset within minutes of the end of the failure.
public struct BurnRateAlert: Sendable, Equatable {
    /// One long and short window pair.
    public struct Condition: Sendable, Equatable {
        /// How many times faster than "exactly the budget over the SLO window" the budget burns.
        public var burn: Decimal
        /// Production seconds.
        public var long: Int
        public var short: Int
    }

    /// Appended to the SLO's alert name: `Fast`, `Slow`.
    public var suffix: String
    /// `page` or `ticket`.
    public var severity: String
    /// Production seconds the condition must hold (`for:`).
    public var holdFor: Int
    public var conditions: [Condition]

    /// Page at 14.4× over 1h and 5m or 6× over 6h and 30m (2 % or 5 % of a 30-day budget spent), for 2m;
    /// ticket at 3× over 1d and 2h or 1× over 3d and 6h (10 % spent), for 15m.
    public static let workbook = [
        BurnRateAlert(
            suffix: "Fast", severity: "page", holdFor: 120,
            conditions: [
                Condition(burn: Decimal(string: "14.4")!, long: 3600, short: 300),
                Condition(burn: 6, long: 21600, short: 1800),
            ]),
        BurnRateAlert(
            suffix: "Slow", severity: "ticket", holdFor: 900,
            conditions: [
                Condition(burn: 3, long: 86400, short: 7200),
                Condition(burn: 1, long: 259_200, short: 21600),
            ]),
    ]

    /// Every window the workbook's alerts read, shortest first, in production seconds.
    public static let windows = Array(Set(workbook.flatMap { $0.conditions.flatMap { [$0.long, $0.short] } })).sorted()
}
