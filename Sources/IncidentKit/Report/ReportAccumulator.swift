import Foundation

/// Gathers the figures of a report from incidents handed over in the order they started.
///
/// It keeps the durations each figure needs (percentiles need all of them) but no incident, so memory grows
/// by about 150 bytes an incident.
struct ReportAccumulator {
    /// What the report needs of one incident.
    struct Facts {
        var id: Int64
        var start: Timestamp
        var injected: Bool
        var service: String
        var severity: String
        var faultType: String?
        var detection: String?
        var causeCategory: String?
        var cancelled: Bool
        var detected: Timestamp?
        var acknowledged: Timestamp?
        var mitigated: Timestamp?
        var resolved: Timestamp?
    }

    /// A real incident repeating the service and cause category of an earlier one in the report.
    struct Repeat {
        var id: Int64
        var start: Timestamp
        var service: String
        var causeCategory: String
        var earlierId: Int64
        var earlierStart: Timestamp
    }

    /// A preventive action item marked done, on a real incident with a cause category.
    struct DonePrevention {
        var service: String
        var causeCategory: String
        /// When the incident it was added to started.
        var incidentStart: Timestamp
        var action: MetricsReport.Prevention
    }

    /// The preventive change that did not prevent `recurrence`: of `preventions`, those of its service and
    /// cause category on an incident that started before it and closed no later than it started, the one
    /// closed last (the lower action id first among equal times).
    static func failedPrevention(of recurrence: Repeat, among preventions: [DonePrevention])
        -> MetricsReport.Prevention?
    {
        preventions.filter { prevention in
            prevention.service == recurrence.service && prevention.causeCategory == recurrence.causeCategory
                && prevention.incidentStart < recurrence.start && prevention.action.closedAt <= recurrence.start
        }.max { left, right in
            (left.action.closedAt, right.action.actionId) < (right.action.closedAt, left.action.actionId)
        }?.action
    }

    /// Incident count and the durations of the resolved ones, for one group.
    struct Tally {
        var count = 0
        var ttd: [Double] = []
        var ttr: [Double] = []

        mutating func add(ttd: Double?, ttr: Double?, counted: Bool) {
            count += 1
            guard counted else { return }
            if let ttd { self.ttd.append(ttd) }
            if let ttr { self.ttr.append(ttr) }
        }
    }

    let request: ReportRequest
    let calendar: Calendar
    private(set) var counts = MetricsReport.Counts()
    /// TTD, TTA, TTR, TTC of resolved incidents, for real (0) and injected (1) ones.
    private var durations = Array(repeating: Array(repeating: [Double](), count: 4), count: 2)
    /// Gaps between starts of one service: for all incidents, for real ones, for injected ones.
    private var gaps: [[Double]] = [[], [], []]
    /// The last start of each service (by its position in `groups[0]`): for all, real and injected incidents.
    private var lastStart: [[Timestamp?]] = [[], [], []]
    private var closedPeriods: [MetricsReport.PeriodRow] = []
    private var period: (start: Date, end: Date, tally: Tally)?
    /// By service, severity, fault type, detection and cause category.
    private var groups = Array(repeating: Groups(), count: 5)
    /// By fault type, at the positions of `groups[2]`.
    private var injectedByFault: [Tally] = []
    /// Keyed by the method's text as the injected incidents spell it (not by `groups[3]`, which real incidents
    /// may have first spelled in another Unicode form of the same text).
    private var detectedByMethod: [String: [Double]] = [:]
    /// The last real incident of each service and cause category (their positions in `groups`).
    private var lastOfCause: [SIMD2<Int>: (id: Int64, start: Timestamp)] = [:]
    /// The newest recurrences, oldest first, at most ``MetricsReport/listLimit``.
    private(set) var recurrences: [Repeat] = []

    init(request: ReportRequest) {
        self.request = request
        calendar = ReportPeriod.calendar(in: request.timeZone)
    }

    /// Group order: no value first, then alphabetical, as SQL sorts NULL first.
    static func precedes(_ left: String?, _ right: String?) -> Bool {
        switch (left, right) {
        case (nil, nil): false
        case (nil, _): true
        case (_, nil): false
        case (let left?, let right?): left < right
        }
    }

    mutating func add(_ facts: Facts) {
        count(facts)
        guard !facts.cancelled else { return }
        let counted = facts.resolved != nil
        let ttd = Timestamp.seconds(from: facts.start, to: facts.detected)
        let ttr = Timestamp.seconds(from: facts.start, to: facts.mitigated ?? facts.resolved)
        let kind = facts.injected ? 1 : 0
        if counted {
            func append(_ metric: Int, _ value: Double?) {
                if let value { durations[kind][metric].append(value) }
            }
            append(0, ttd)
            append(1, Timestamp.seconds(from: facts.detected, to: facts.acknowledged))
            append(2, ttr)
            append(3, Timestamp.seconds(from: facts.start, to: facts.resolved))
        }
        addToPeriod(facts.start, ttd: ttd, ttr: ttr, counted: counted)
        var positions = SIMD8<Int>()  // each dimension's group; a fixed-size vector, no allocation per incident
        for dimension in groups.indices {
            positions[dimension] = groups[dimension].position(of: facts.key(dimension))
            groups[dimension].tallies[positions[dimension]].add(ttd: ttd, ttr: ttr, counted: counted)
        }
        let service = positions[0]
        for set in [0, kind + 1] {
            lastStart[set].pad(to: service + 1, with: nil)
            if let last = lastStart[set][service] { gaps[set].append(last.seconds(until: facts.start)) }
            lastStart[set][service] = facts.start
        }
        if facts.injected && counted {
            injectedByFault.pad(to: positions[2] + 1, with: Tally())
            injectedByFault[positions[2]].add(ttd: ttd, ttr: nil, counted: true)
            if let method = facts.detection, let ttd { detectedByMethod[method, default: []].append(ttd) }
        }
        if !facts.injected, let category = facts.causeCategory {
            let key = SIMD2(service, positions[4])
            if let earlier = lastOfCause[key] {
                recurrences.append(
                    Repeat(
                        id: facts.id, start: facts.start, service: facts.service,
                        causeCategory: category, earlierId: earlier.id,
                        earlierStart: earlier.start))
                if recurrences.count > MetricsReport.listLimit { recurrences.removeFirst() }
            }
            lastOfCause[key] = (facts.id, facts.start)
        }
    }

    private mutating func count(_ facts: Facts) {
        counts.total += 1
        switch IncidentStatus(
            cancelled: facts.cancelled, detected: facts.detected, acknowledged: facts.acknowledged,
            mitigated: facts.mitigated, resolved: facts.resolved)
        {
        case .cancelled: counts.cancelled += 1
        case .resolved: counts.resolved += 1
        case .mitigated: counts.mitigated += 1
        case .acknowledged: counts.acknowledged += 1
        case .detected: counts.detected += 1
        case .open: counts.open += 1
        }
    }

    /// Adds to the period holding `start`, closing the periods before it (empty ones included).
    private mutating func addToPeriod(_ start: Timestamp, ttd: Double?, ttr: Double?, counted: Bool) {
        let date = start.date
        if period == nil {
            let first = request.period.start(of: date, in: calendar)
            period = (first, request.period.next(after: first, in: calendar), Tally())
        }
        while let current = period, date >= current.end {
            closePeriod()
            period = (current.end, request.period.next(after: current.end, in: calendar), Tally())
        }
        period?.tally.add(ttd: ttd, ttr: ttr, counted: counted)
    }

    private mutating func closePeriod() {
        guard let (start, _, tally) = period else { return }
        let ttd = Aggregate(tally.ttd)
        let ttr = Aggregate(tally.ttr)
        let change = closedPeriods.last.map { previous in
            MetricsReport.Change(
                count: tally.count - previous.count,
                medianTtdS: difference(ttd.median, previous.ttd.median),
                medianTtrS: difference(ttr.median, previous.ttr.median))
        }
        closedPeriods.append(
            MetricsReport.PeriodRow(
                period: request.period.label(of: start, in: calendar),
                start: Timestamp(start), count: tally.count, ttd: ttd, ttr: ttr,
                change: change))
    }

    var overall: MetricsReport.Overall {
        func stats(_ kinds: [Int], gaps: [Double]) -> MetricsReport.Stats {
            let metrics = (0..<4).map { metric in Aggregate(kinds.flatMap { durations[$0][metric] }) }
            return MetricsReport.Stats(
                ttd: metrics[0], tta: metrics[1], ttr: metrics[2], ttc: metrics[3],
                mtbf: Aggregate(gaps))
        }
        return MetricsReport.Overall(
            all: stats([0, 1], gaps: gaps[0]), injected: stats([1], gaps: gaps[2]),
            real: stats([0], gaps: gaps[1]))
    }

    /// One row per period from the first incident's to the last's, empty periods included.
    var trend: [MetricsReport.PeriodRow] {
        var copy = self
        copy.closePeriod()
        return copy.closedPeriods
    }

    var breakdowns: MetricsReport.Breakdowns {
        let sorted = groups.map { tallies in
            tallies.sorted().map {
                MetricsReport.Group(
                    key: $0.key, count: $0.value.count, ttd: Aggregate($0.value.ttd), ttr: Aggregate($0.value.ttr))
            }
        }
        return MetricsReport.Breakdowns(
            service: sorted[0], severity: sorted[1], faultType: sorted[2],
            detection: sorted[3], causeCategory: sorted[4])
    }

    func detection(undetected: [MetricsReport.IncidentReference], detectedAfterRecovery: Int)
        -> MetricsReport.DetectionScorecard
    {
        let byFault = groups[2].sorted().compactMap { group -> MetricsReport.FaultDetection? in
            guard let tally = injectedByFault.at(group.position), tally.count > 0 else { return nil }
            return MetricsReport.FaultDetection(
                faultType: group.key, injected: tally.count, detected: tally.ttd.count,
                rate: Double(tally.ttd.count) / Double(tally.count), medianTtdS: Aggregate(tally.ttd).median)
        }
        let injected = byFault.reduce(0) { $0 + $1.injected }
        let detected = byFault.reduce(0) { $0 + $1.detected }
        return MetricsReport.DetectionScorecard(
            injected: injected, detected: detected, rate: injected == 0 ? nil : Double(detected) / Double(injected),
            byFaultType: byFault,
            byMethod: detectedByMethod.sorted { $0.key < $1.key }.map {
                MetricsReport.MethodDetection(
                    method: $0.key, detected: $0.value.count, medianTtdS: Aggregate($0.value).median)
            },
            undetected: undetected, detectedAfterRecovery: detectedAfterRecovery)
    }
}

private func difference(_ current: Double?, _ previous: Double?) -> Double? {
    guard let current, let previous else { return nil }
    return current - previous
}

extension ReportAccumulator.Facts {
    /// The value of breakdown `dimension`: service, severity, fault type, detection, cause category.
    func key(_ dimension: Int) -> String? {
        switch dimension {
        case 0: service
        case 1: severity
        case 2: faultType
        case 3: detection
        default: causeCategory
        }
    }
}

/// A tally per distinct key of one breakdown, each key given a position when first seen, so that an
/// incident's other figures keyed by the same value index arrays by that position instead of hashing the
/// text again.
struct Groups {
    private var positions: [String?: Int] = [:]
    private(set) var keys: [String?] = []
    var tallies: [ReportAccumulator.Tally] = []

    /// The position of `key`, a new one with an empty tally when it is first seen.
    mutating func position(of key: String?) -> Int {
        if let position = positions[key] { return position }
        positions[key] = keys.count
        keys.append(key)
        tallies.append(ReportAccumulator.Tally())
        return keys.count - 1
    }

    /// Every key with its tally and position, no key first, then alphabetically (SQL's order).
    func sorted() -> [(key: String?, value: ReportAccumulator.Tally, position: Int)] {
        keys.indices.sorted { ReportAccumulator.precedes(keys[$0], keys[$1]) }.map { (keys[$0], tallies[$0], $0) }
    }
}

extension Array {
    /// Grows the array to `count` elements with `value` (figures kept only for some groups' positions).
    fileprivate mutating func pad(to count: Int, with value: Element) {
        if self.count < count { append(contentsOf: repeatElement(value, count: count - self.count)) }
    }

    fileprivate func at(_ index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
