import FaultCatalog
import Foundation
import IncidentKit

/// A change the prober saw, as `incident watch` reports it (one line, or one JSON object with `--json`).
public struct WatchEvent: Sendable, Encodable, Equatable {
    public enum Kind: String, Sendable, Encodable {
        /// A failure streak completed: detection was recorded on ``incident`` (or it was detected already).
        case detected
        /// An ongoing incident someone else detected (an alert, another prober): the prober now waits for
        /// its recovery.
        case following
        /// A good streak completed after a failure: the incident was mitigated at ``at``.
        case recovered
    }

    public var kind: Kind
    /// When it happened: the detection moment, the moment the prober took the incident up, or the first
    /// good round of the recovery.
    public var at: Timestamp
    public var incident: Int64
    /// True when no incident was ongoing and one was opened for the detection.
    public var opened: Bool
    /// Why the probes failed (detections), or how the incident was detected (following).
    public var reason: String?
    /// The first failed round of the streak (detections).
    public var firstFailure: Timestamp?

    enum CodingKeys: String, CodingKey {
        case kind, at, incident, opened, reason
        case firstFailure = "first_failure"
    }

    /// The event as one line for people.
    public var line: String {
        switch kind {
        case .detected:
            "\(at)  detected #\(incident)\(opened ? " (opened: no incident was ongoing)" : "")"
                + " via probe: \(reason ?? "")" + (firstFailure.map { "; failing since \($0)" } ?? "")
        case .following:
            "\(at)  following #\(incident) (\(reason ?? "detected")): waiting for its recovery"
        case .recovered:
            "\(at)  recovered #\(incident): first round of a good streak; mitigated"
        }
    }
}

/// The black-box prober tied to the store. It speaks only for the incidents of its ``DetectorScope`` (its
/// service, on its target or on none). Each round that completes a failure streak records a detection
/// `via probe` on the ongoing incident of the scope, or on a new real one started at the first failed
/// round; an ongoing incident detected by someone else is taken up. Either way the prober then records the
/// recovery: `mitigated` at the first round of a good streak (all after the fault's end once the record
/// says it ended). A failure the probes did not see themselves (an alert detected it) can be invisible to
/// them, such as a memory leak: while its injected fault is in force, good rounds prove nothing. Until the target has answered a probe with 2xx once, failures prove nothing (a wrong address,
/// a service not started) and detect nothing.
public struct Watch: Sendable {
    public let prober: Prober
    let store: any IncidentRepository
    let scope: DetectorScope
    let author: String
    private var tracker: ProbeTracker
    /// The incident the current failure is recorded on.
    public private(set) var incident: Int64?
    /// The last round's result.
    public private(set) var lastRound: ProbeRound?
    /// True once some probe was answered with 2xx.
    public private(set) var targetAnswered = false
    /// Injected incidents whose fault touches none of the probed paths, already warned about.
    private var unprobed: Set<Int64> = []

    public init(prober: Prober, store: any IncidentRepository, scope: DetectorScope, author: String) {
        self.prober = prober
        self.store = store
        self.scope = scope
        self.author = author
        tracker = ProbeTracker(failAfter: prober.settings.failAfter, recoverAfter: prober.settings.recoverAfter)
    }

    /// True between a failure (detected or taken up) and its recovery.
    public var isDown: Bool { tracker.isDown }

    /// Runs one round of probes and records what it completes; also returns warnings for people (a fault in
    /// force that no probed path touches).
    public mutating func step() async throws -> (events: [WatchEvent], warnings: [String]) {
        let round = try await prober.round()
        lastRound = round
        if round.failed < round.probes { targetAnswered = true }
        var events: [WatchEvent] = []
        var warnings: [String] = []
        let ongoing = try await store.ongoingIncident(scope, at: round.at)
        if let ongoing, let warning = unprobedWarning(ongoing) { warnings.append(warning) }
        if let event = follow(ongoing, at: round.at) { events.append(event) }
        if targetAnswered, let event = try await record(round) { events.append(event) }
        return (events, warnings)
    }

    /// Keeps the tracker in step with the record: takes up an ongoing incident detected by someone else,
    /// learns when the fault of the incident followed ended, and lets go of one closed by someone else.
    private mutating func follow(_ ongoing: IncidentDetail?, at: Timestamp) -> WatchEvent? {
        guard let ongoing else {
            if incident != nil {
                // Mitigated, resolved or cancelled by someone else: nothing left to recover.
                incident = nil
                tracker = ProbeTracker(failAfter: tracker.failAfter, recoverAfter: tracker.recoverAfter)
            }
            return nil
        }
        let id = ongoing.incident.id!
        let end = Self.failureEnd(of: ongoing)
        if incident == id {
            if case .ended(let at) = end { tracker.failureEnded(at: at) }
            return nil
        }
        guard let detected = ongoing.incident.detectedAt, incident == nil else { return nil }
        incident = id
        tracker.failureBegan(awaitingEnd: end == .inForce)
        if case .ended(let at) = end { tracker.failureEnded(at: at) }
        return WatchEvent(
            kind: .following, at: at, incident: id, opened: false,
            reason: "detected via \(ongoing.incident.detection ?? "?") at \(detected)")
    }

    /// Records what `round` completes, if anything.
    private mutating func record(_ round: ProbeRound) async throws -> WatchEvent? {
        switch tracker.observe(round) {
        case nil:
            return nil
        case .detected(let firstFailure, let at, let reason):
            let record = try await store.recordDetection(
                scope, via: "probe", at: at, startedAt: firstFailure,
                title: "\(scope.service) fails its probes: \(reason)",
                note:
                    "opened by the prober: it started at the first failed probe, not necessarily when the failure did",
                by: author, now: .now)
            let detail = record.detail
            incident = detail.incident.id!
            return WatchEvent(
                kind: .detected, at: at, incident: incident!, opened: record.outcome == .opened,
                reason: reason + (record.outcome == .alreadyDetected ? " (detected already)" : ""),
                firstFailure: firstFailure)
        case .recovered(let firstSuccess, _):
            guard let id = incident else { return nil }
            incident = nil
            guard try await store.detail(id).incident.mitigatedAt == nil else { return nil }
            _ = try await store.recordProbeRecovery(id, serviceBackAt: firstSuccess, by: author)
            return WatchEvent(kind: .recovered, at: firstSuccess, incident: id, opened: false)
        }
    }

    /// What the record says about the end of an incident's failure.
    enum FailureEnd: Equatable {
        /// A real incident: only the probes can tell.
        case unknown
        /// An injected fault still in force.
        case inForce
        /// An injected fault cleared or expired at this time.
        case ended(Timestamp)
    }

    static func failureEnd(of detail: IncidentDetail) -> FailureEnd {
        guard detail.incident.kind == .injected, let fault = detail.incident.fault else { return .unknown }
        if let ending = detail.timeline.last(where: { $0.kind == .faultCleared || $0.kind == .faultExpired }) {
            return .ended(ending.at)
        }
        guard let spec = try? FaultSpec(text: fault) else { return .unknown }
        let expiry = detail.incident.startedAt.adding(seconds: spec.durationSeconds)
        return expiry <= .now ? .ended(expiry) : .inForce
    }

    /// A warning, once per incident, when the fault of an ongoing injected incident touches none of the
    /// probed paths: the prober cannot see it.
    private mutating func unprobedWarning(_ ongoing: IncidentDetail) -> String? {
        let id = ongoing.incident.id!
        guard !unprobed.contains(id), let fault = ongoing.incident.fault, let spec = try? FaultSpec(text: fault),
            !prober.settings.paths.contains(where: spec.covers(path:))
        else { return nil }
        unprobed.insert(id)
        return "the fault of #\(id) (\(fault)) touches none of the probed paths "
            + "(\(prober.settings.paths.joined(separator: " "))): add a --path it covers, or the probes cannot see it"
    }
}

extension IncidentRepository {
    /// Records a prober's recovery of incident `id`: mitigated at `back`, the first good round of the
    /// recovery. An alert may start while the prober confirms that recovery, and the receiver records its
    /// detection after `back`; times run detected ≤ mitigated, so mitigated is then recorded at the detection,
    /// with a note saying when service was back. The game day and `incident watch` both record recoveries here.
    public func recordProbeRecovery(_ id: Int64, serviceBackAt back: Timestamp, by author: String) async throws
        -> IncidentDetail
    {
        let current = try await detail(id).incident
        var mitigated = back
        if let detected = current.detectedAt, detected > back {
            mitigated = detected
            _ = try await note(
                id,
                "service was back at \(back), before \(current.detection ?? "the detector") detected the failure at "
                    + "\(detected): mitigated is recorded at the detection, as times run in order",
                at: detected, by: author, now: .now)
        }
        return try await mitigate(id, at: mitigated, by: author, now: .now)
    }
}
