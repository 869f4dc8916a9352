import Foundation

/// A service level objective read from an OpenSLO v1 file: what is measured (the indicator), over which
/// rolling window, and the share of events that must be good (each objective).
public struct SLO: Sendable, Equatable {
    /// `metadata.name`: a DNS label, unique among the SLOs read together.
    public var name: String
    /// `metadata.displayName`, else the name.
    public var displayName: String
    /// `spec.description`, if any.
    public var description: String?
    /// `spec.service`: the service whose incidents spend this SLO's budget (the incidents' `service`).
    public var service: String
    /// The rolling window, in seconds (`spec.timeWindow[0].duration`).
    public var window: Int
    public var indicator: Indicator
    public var objectives: [Objective]
    /// The name of the burn-rate alerts before their `Fast` or `Slow` suffix (annotation `incident/alert-name`).
    public var alertName: String
    /// The file it was read from, for messages.
    public var file: String

    public init(
        name: String, displayName: String, description: String?, service: String, window: Int, indicator: Indicator,
        objectives: [Objective], alertName: String, file: String
    ) {
        self.name = name
        self.displayName = displayName
        self.description = description
        self.service = service
        self.window = window
        self.indicator = indicator
        self.objectives = objectives
        self.alertName = alertName
        self.file = file
    }

    /// What an SLO counts. Both kinds are counters of events, so that rules and status take `rate()` and
    /// `increase()` of them.
    public enum Indicator: Sendable, Equatable {
        /// `ratioMetric`: series selectors of counters of good or bad events, and of all events.
        case ratio(good: String?, bad: String?, total: String)
        /// `thresholdMetric` over a Prometheus histogram (the selector names the family without `_bucket`):
        /// an event is good when its value is at most the objective's `value`, a bucket boundary.
        case threshold(histogram: String)
    }

    /// One objective: the share of events that must be good, and for a threshold indicator the threshold.
    public struct Objective: Sendable, Equatable {
        public var displayName: String?
        /// The share of good events promised, strictly between 0 and 1 (`target`, or `targetPercent` / 100).
        public var target: Decimal
        /// For a threshold indicator: good events have a value at most this (`op: lte`, `value`).
        public var threshold: Decimal?

        public init(displayName: String? = nil, target: Decimal, threshold: Decimal? = nil) {
            self.displayName = displayName
            self.target = target
            self.threshold = threshold
        }

        /// The share of events that may be bad: 1 − target.
        public var errorBudget: Decimal { 1 - target }

        /// How alerts and reports name the objective: its display name, else its target (and threshold).
        public var label: String {
            displayName ?? (Self.percent(target) + (threshold.map { " within \($0) s" } ?? ""))
        }

        /// `0.999` as `99.9%`.
        public static func percent(_ fraction: Decimal) -> String {
            "\(fraction * 100)%"
        }
    }

    /// The counters behind `objective`: the selector of all events, and how bad events are counted.
    public func events(for objective: Objective) -> EventQueries {
        switch indicator {
        case .ratio(let good, let bad, let total):
            if let bad { return EventQueries(total: total, bad: .counted(bad)) }
            return EventQueries(total: total, bad: .complement(good: good!))
        case .threshold(let histogram):
            let (name, matchers) = PromQL.split(selector: histogram)
            let le = "le=\"\(objective.threshold!)\""
            return EventQueries(
                total: name + "_count" + PromQL.matchers(matchers),
                bad: .complement(good: name + "_bucket" + PromQL.matchers(matchers + [le])))
        }
    }

    /// The labels that tell this objective's error-ratio series from those of other SLOs and thresholds.
    public func seriesLabels(for objective: Objective) -> [(String, String)] {
        var labels = [("slo", name)]
        if let threshold = objective.threshold { labels.append(("threshold", "\(threshold)")) }
        return labels
    }
}

/// Series selectors of the counters an objective is measured by.
public struct EventQueries: Sendable, Equatable {
    /// All events.
    public var total: String
    public var bad: Bad

    public init(total: String, bad: Bad) {
        self.total = total
        self.bad = bad
    }

    /// How bad events are counted.
    public enum Bad: Sendable, Equatable {
        /// A counter of bad events.
        case counted(String)
        /// All events less this counter of good ones.
        case complement(good: String)
    }
}
