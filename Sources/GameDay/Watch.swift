import Foundation
import IncidentKit

/// A change the prober saw, as `incident watch` reports it (one line, or one JSON object with `--json`).
public struct WatchEvent: Sendable, Encodable, Equatable {
    public enum Kind: String, Sendable, Encodable {
        /// A failure streak completed: detection was recorded on ``incident``.
        case detected
        /// A good streak completed after a detection: the incident was mitigated at ``at``.
        case recovered
    }

    public var kind: Kind
    /// When it happened: the detection moment, or the first good probe of the recovery.
    public var at: Timestamp
    public var incident: Int64
    /// True when no incident matched the detection and one was opened for it.
    public var opened: Bool
    /// Why the probes failed (detections).
    public var reason: String?
    /// The first failed probe of the streak (detections).
    public var firstFailure: Timestamp?

    enum CodingKeys: String, CodingKey {
        case kind, at, incident, opened, reason
        case firstFailure = "first_failure"
    }

    /// The event as one line for people.
    public var line: String {
        switch kind {
        case .detected:
            "\(at)  detected #\(incident)\(opened ? " (opened: no incident was open)" : "")"
                + " via probe: \(reason ?? "")" + (firstFailure.map { "; failing since \($0)" } ?? "")
        case .recovered:
            "\(at)  recovered #\(incident): first good probe; mitigated"
        }
    }
}

/// The black-box prober tied to the store: each round that completes a failure streak records a
/// detection `via probe` (on the open, undetected incident of the service, else on a new real one started
/// at the first failed probe), and each round that completes the recovery records `mitigated` at the first
/// good probe.
public final class Watch: @unchecked Sendable {
    public let prober: Prober
    let store: any IncidentRepository
    let service: String
    let author: String
    private(set) var tracker: ProbeTracker
    /// The incident the current failure was recorded on.
    public private(set) var incident: Int64?

    public init(prober: Prober, store: any IncidentRepository, service: String, author: String) {
        self.prober = prober
        self.store = store
        self.service = service
        self.author = author
        tracker = ProbeTracker(failAfter: prober.settings.failAfter, recoverAfter: prober.settings.recoverAfter)
    }

    /// The last round's result.
    public private(set) var lastRound: ProbeRound?

    /// Runs one round of probes and records what it completes.
    public func step() async throws -> WatchEvent? {
        let round = prober.round()
        lastRound = round
        return try await record(round)
    }

    /// Records what `round` completes, if anything.
    func record(_ round: ProbeRound) async throws -> WatchEvent? {
        switch tracker.observe(round) {
        case nil:
            return nil
        case .detected(let firstFailure, let at, let reason):
            let record = try await store.recordDetection(
                service: service, via: "probe", at: at, startedAt: firstFailure,
                title: "\(service) fails its probes: \(reason)",
                note:
                    "opened by the prober: it started at the first failed probe, not necessarily when the failure did",
                by: author, now: .now)
            incident = record.detail.incident.id
            return WatchEvent(
                kind: .detected, at: at, incident: incident!, opened: record.opened, reason: reason,
                firstFailure: firstFailure)
        case .recovered(let firstSuccess, _):
            guard let id = incident else { return nil }
            incident = nil
            _ = try await store.mitigate(id, at: firstSuccess, by: author, now: .now)
            return WatchEvent(kind: .recovered, at: firstSuccess, incident: id, opened: false)
        }
    }

    /// True between a detected failure and its recovery.
    public var isDown: Bool { tracker.isDown }
}
