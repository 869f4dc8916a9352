import Conventions
import Foundation
import IncidentKit
import StrictYAML

/// The faults `incident chaos run` may draw, how often, and what users may pay for them. Read from YAML or
/// JSON, as strictly as a scenario:
///
/// ```yaml
/// name: lab chaos
/// service: app
/// cause: "continuous chaos: a fault drawn from the lab pool"   # optional: the incidents' cause
/// schedule:
///   gap: 30s..90s                 # a random gap between experiments (from the end of one to the next)
///   hours: "09:00-17:00"          # optional: when experiments may start
///   days: [mon, tue, wed, thu, fri]
///   time_zone: Europe/Paris       # of hours and days; default UTC
/// guard:
///   slos: [app-availability]      # the SLOs to guard, by name; default every SLO of the service
///   min_budget_left: 50%          # each SLO's budget left over its window must stay above this
///   max_budget_spend: 10%         # the share of each SLO's budget the chaos may spend in its window
///   stop_burn_rate: 50            # halt an experiment whose burn rate goes above this
/// faults:
///   - fault: error status=500 rate=0.05
///     weight: 3                   # how often it is drawn, against the others' weights
///     hold: 20s..40s              # a random hold in this range, or one duration
///     replicas: 1                 # the first replica (1) or all (the default)
/// ```
public struct ChaosPool: Sendable {
    /// One fault the pool may draw: a game-day step whose hold is drawn from ``hold``.
    public struct Entry: Sendable {
        public var step: Scenario.Step
        public var weight: Double
        public var hold: ClosedRange<Double>

        /// Which replicas it breaks: `1` or `all` for the app's own faults, `fault` for one from outside the
        /// app, which names what it hits itself (`kill replica=1`).
        public var scope: String {
            step.fault?.action.type.isOutside == true ? "fault" : step.replicas.rawValue
        }
    }

    /// When experiments may start: a random gap after the last one ended, within the allowed hours and days.
    public struct Schedule: Sendable {
        public var gap: ClosedRange<Double>
        /// Minutes after midnight an experiment may start from and before which it must start; nil: any time.
        public var hours: Range<Int>?
        /// Allowed weekdays, 1 (Sunday) to 7 (Saturday), as `Calendar` counts them; empty: every day.
        public var days: Set<Int>
        public var timeZone: TimeZone
    }

    /// What the chaos may cost: checked before each experiment and during it (``ChaosGuard``).
    public struct Guard: Sendable {
        /// The SLOs to guard, by name; empty: every SLO of the service.
        public var slos: [String]
        /// The share of each SLO's error budget that must be left over its window for an experiment to start.
        public var minBudgetLeft: Double
        /// The share of each SLO's error budget the chaos may spend within its window.
        public var maxBudgetSpend: Double
        /// The burn rate (bad share over the budget) above which an experiment is halted.
        public var stopBurnRate: Double
    }

    public var name: String
    public var service: String
    public var cause: String?
    public var entries: [Entry]
    public var schedule: Schedule
    public var guardrails: Guard

    /// The pool's faults as a scenario, for the game day that plays each experiment.
    public func scenario(playing entry: Entry, hold: Double) -> Scenario {
        var step = entry.step
        step.hold = hold
        return Scenario(name: name, service: service, steps: [step])
    }

    /// Reads the pool in `file`; every problem is an ``IncidentError/malformed(_:)`` naming the file, the line
    /// and the key.
    public static func read(file: String) throws -> ChaosPool {
        try Scenario.readStrictly(file, as: "pool", parse)
    }

    static func parse(_ root: YAMLObject) throws -> ChaosPool {
        try root.refuseUnknownKeys(["name", "service", "cause", "schedule", "guard", "defaults", "faults"])
        let name = try root.string("name") ?? "chaos"
        do {
            _ = try Validate.label(name, field: "pool name")
        } catch {
            throw root.problem("name", "\(error)")
        }
        let service = try root.string("service") ?? "app"
        do {
            _ = try Validate.service(service)
        } catch {
            throw root.problem("service", "\(error)")
        }
        let defaults = try root.object("defaults")
        try defaults?.refuseUnknownKeys([
            "hold", "detect_within", "recover_within", "category", "severity", "replicas",
        ])
        let faults = try root.objects("faults")
        guard !faults.isEmpty else { throw root.problem("faults", "is required: a list of at least one fault") }
        let entries = try faults.enumerated().map { index, fault in
            try parseEntry(fault, index: index, defaults: defaults)
        }
        guard let schedule = try root.object("schedule") else {
            throw root.problem("schedule", "is required: at least gap, e.g. {gap: 5m..30m}")
        }
        guard let guardrails = try root.object("guard") else {
            throw root.problem(
                "guard",
                "is required: at least min_budget_left and max_budget_spend, e.g. {min_budget_left: 50%, "
                    + "max_budget_spend: 10%}")
        }
        return ChaosPool(
            name: name, service: service, cause: try root.string("cause"), entries: entries,
            schedule: try parseSchedule(schedule), guardrails: try parseGuard(guardrails))
    }

    static func parseEntry(_ fault: YAMLObject, index: Int, defaults: YAMLObject?) throws -> Entry {
        guard !fault.keys.contains("deploy") else {
            throw fault.problem("deploy", "a pool draws faults; a bad deploy belongs in a game day's scenario")
        }
        var step = try Scenario.parseStep(fault, index: index, defaults: defaults, ownKeys: ["weight", "hold"])
        if try fault.string("category") == nil && defaults?.string("category") == nil { step.category = "chaos" }
        let weight = try fault.number("weight") ?? 1
        guard weight > 0 && weight <= 1_000_000 else {
            throw fault.problem("weight", "must be a number above 0 (how often it is drawn against the others)")
        }
        let source = fault.keys.contains("hold") ? fault : defaults ?? fault
        let hold = try durationRange(source, "hold", default: 20...20)
        return Entry(step: step, weight: weight, hold: hold)
    }

    /// `A..B` (two durations, A ≤ B) or one duration, at `key`.
    static func durationRange(_ object: YAMLObject, _ key: String, default fallback: ClosedRange<Double>) throws
        -> ClosedRange<Double>
    {
        guard let text = try object.string(key) else { return fallback }
        let bounds = text.components(separatedBy: "..")
        do {
            let seconds = try bounds.map {
                try DurationInput.seconds($0, option: key, in: Scenario.shortest...(7 * 24 * 3600))
            }
            guard (1...2).contains(seconds.count), seconds[0] <= seconds[seconds.count - 1] else {
                throw IncidentError.invalidInput(
                    "must be a duration (20s) or a range of two (10s..30s), the shorter first, not '\(text)'")
            }
            return seconds[0]...seconds[seconds.count - 1]
        } catch {
            throw object.problem(key, "\(error)")
        }
    }

    static func parseSchedule(_ schedule: YAMLObject) throws -> Schedule {
        try schedule.refuseUnknownKeys(["gap", "hours", "days", "time_zone"])
        guard schedule.keys.contains("gap") else {
            throw schedule.problem("gap", "is required: the random gap between experiments, e.g. 5m..30m")
        }
        let gap = try durationRange(schedule, "gap", default: 0...0)
        let zoneName = try schedule.string("time_zone") ?? "UTC"
        guard let timeZone = TimeZone(identifier: zoneName) else {
            throw schedule.problem(
                "time_zone", "'\(zoneName)' is not a time zone; use a name such as Europe/Paris or UTC")
        }
        var hours: Range<Int>?
        if let text = try schedule.string("hours") {
            let parts = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
            let minutes = parts.compactMap { part -> Int? in
                let clock = part.split(separator: ":")
                guard clock.count == 2, let hour = Int(clock[0]), let minute = Int(clock[1]), (0...24).contains(hour),
                    (0..<60).contains(minute), hour * 60 + minute <= 24 * 60
                else { return nil }
                return hour * 60 + minute
            }
            guard parts.count == 2, minutes.count == 2, minutes[0] < minutes[1] else {
                throw schedule.problem("hours", "must be a span of the day such as 09:00-17:00, not '\(text)'")
            }
            hours = minutes[0]..<minutes[1]
        }
        let names = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        let days = try Set(
            schedule.strings("days").map { day in
                guard let index = names.firstIndex(of: String(day.lowercased().prefix(3))),
                    day.count >= 3, names[index].hasPrefix(day.lowercased().prefix(3))
                else {
                    throw schedule.problem("days", "'\(day)' is not a day; use mon, tue, wed, thu, fri, sat, sun")
                }
                return index + 1
            })
        return Schedule(gap: gap, hours: hours, days: days, timeZone: timeZone)
    }

    static func parseGuard(_ object: YAMLObject) throws -> Guard {
        try object.refuseUnknownKeys(["slos", "min_budget_left", "max_budget_spend", "stop_burn_rate"])
        func share(_ key: String) throws -> Double {
            guard let text = try object.string(key) else {
                throw object.problem(key, "is required: a share of the error budget, e.g. 50%")
            }
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            let value = trimmed.hasSuffix("%") ? Double(trimmed.dropLast()).map { $0 / 100 } : Double(trimmed)
            guard let value, value.isFinite, (0...1).contains(value) else {
                throw object.problem(key, "must be a share from 0% to 100% (or 0 to 1), not '\(text)'")
            }
            return value
        }
        let burn = try object.number("stop_burn_rate") ?? 50
        guard burn > 0 else { throw object.problem("stop_burn_rate", "must be above 0") }
        let maxSpend = try share("max_budget_spend")
        guard maxSpend > 0 else {
            throw object.problem("max_budget_spend", "must be above 0%: with no budget to spend nothing would run")
        }
        return Guard(
            slos: try object.strings("slos"), minBudgetLeft: try share("min_budget_left"), maxBudgetSpend: maxSpend,
            stopBurnRate: burn)
    }
}

extension ChaosPool.Schedule {
    /// The first moment at or after `time` an experiment may start: `time` itself when the hours and days
    /// allow it, else the start of the next allowed span. Nil when nothing is allowed in the next 8 days.
    public func nextAllowed(from time: Date) -> Date? {
        guard hours != nil || !days.isEmpty else { return time }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var candidate = time
        for _ in 0...8 {
            let day = calendar.startOfDay(for: candidate)
            let weekday = calendar.component(.weekday, from: day)
            if days.isEmpty || days.contains(weekday) {
                let open = hours.map { day.addingTimeInterval(Double($0.lowerBound * 60)) } ?? day
                let close =
                    hours.map { day.addingTimeInterval(Double($0.upperBound * 60)) } ?? day.addingTimeInterval(86_400)
                if candidate < close { return max(candidate, open) }
            }
            guard let next = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            candidate = next
        }
        return nil
    }
}
