import Conventions
import Foundation
import IncidentKit
import LabHTTP

/// How the black-box prober judges the target: the paths it asks each round and what counts as failed.
public struct ProbeSettings: Sendable {
    /// The service's base URL.
    public var target: String
    /// The paths asked each round; by default `/`, `/readyz` and `/livez`, so that request faults,
    /// readiness and liveness are all seen.
    public var paths: [String] = ["/", "/readyz", "/livez"]
    /// The time between the starts of two rounds.
    public var interval: Duration = .seconds(1)
    /// How long one answer may take before the probe fails as timed out.
    public var timeout: Duration = .seconds(2)
    /// An answer slower than this fails the probe.
    public var slow: Duration = .milliseconds(500)
    /// Failed rounds in a row that make a detection.
    public var failAfter = 3
    /// Good rounds in a row that make a recovery.
    public var recoverAfter = 3

    public init(target: String) {
        self.target = target
    }
}

/// One round of probes: when it started and ended and, when a probe failed, why.
public struct ProbeRound: Sendable, Equatable {
    public var at: Timestamp
    /// When its last answer (or failure) came: the moment the prober knew.
    public var end: Timestamp
    /// Why the round failed (the first failing path and its reason); nil for a good round.
    public var failure: String?

    public init(at: Timestamp, end: Timestamp? = nil, failure: String?) {
        self.at = at
        self.end = end ?? at
        self.failure = failure
    }

    public var ok: Bool { failure == nil }
}

/// Asks the target's paths over HTTP, as an uptime checker outside the service would.
public struct Prober: Sendable {
    public let settings: ProbeSettings
    private let client: HTTPClient

    public init(_ settings: ProbeSettings) {
        self.settings = settings
        client = HTTPClient(timeout: settings.timeout, maxResponseBytes: 1 << 20, userAgent: "incident-probe")
    }

    /// Probes every path once, in order, and says whether the round failed and why: a connection error, a
    /// timeout, a status other than 2xx, or an answer slower than ``ProbeSettings/slow``.
    public func round() -> ProbeRound {
        let started = Timestamp.now
        for path in settings.paths {
            let clock = ContinuousClock.now
            do {
                let answer = try client.send(HTTPRequest(), to: settings.target + path)
                let took = ContinuousClock.now - clock
                if !(200..<300).contains(answer.status) {
                    return ProbeRound(at: started, end: .now, failure: "\(path) answered \(answer.status)")
                }
                if took > settings.slow {
                    return ProbeRound(
                        at: started, end: .now,
                        failure:
                            "\(path) took \(Self.milliseconds(took)) ms (slow above \(Self.milliseconds(settings.slow)) ms)"
                    )
                }
            } catch {
                return ProbeRound(at: started, end: .now, failure: "\(path): \(error)")
            }
        }
        return ProbeRound(at: started, end: .now, failure: nil)
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int((duration / .milliseconds(1)).rounded())
    }
}

/// The prober's memory: streaks of failed and good rounds, turned into the moments a failure is detected
/// (the round that completes a failure streak) and service is back (the first good round of the streak
/// that recovers).
public struct ProbeTracker: Sendable {
    /// What one round changed.
    public enum Change: Sendable, Equatable {
        /// A failure streak is complete: the failure started at the first failed round, is detected now.
        case detected(firstFailure: Timestamp, at: Timestamp, reason: String)
        /// A good streak is complete after a detection: service came back at its first good round.
        case recovered(firstSuccess: Timestamp, at: Timestamp)
    }

    let failAfter: Int
    let recoverAfter: Int
    /// The failed rounds in a row so far, with the first of them.
    private var failures: (first: Timestamp, count: Int)?
    /// The good rounds in a row so far, with the first of them.
    private var successes: (first: Timestamp, count: Int)?
    /// True between a detection and the recovery that ends it.
    public private(set) var isDown = false

    public init(failAfter: Int, recoverAfter: Int) {
        self.failAfter = failAfter
        self.recoverAfter = recoverAfter
    }

    /// Takes one round; returns the change it completes, if any.
    public mutating func observe(_ round: ProbeRound) -> Change? {
        if let failure = round.failure {
            successes = nil
            let streak = (first: failures?.first ?? round.at, count: (failures?.count ?? 0) + 1)
            failures = streak
            if !isDown && streak.count >= failAfter {
                isDown = true
                return .detected(firstFailure: streak.first, at: round.end, reason: failure)
            }
        } else {
            failures = nil
            let streak = (first: successes?.first ?? round.at, count: (successes?.count ?? 0) + 1)
            successes = streak
            if isDown && streak.count >= recoverAfter {
                isDown = false
                return .recovered(firstSuccess: streak.first, at: round.at)
            }
        }
        return nil
    }

    /// True once `recoverAfter` good rounds in a row have been seen (and nothing is down).
    public var isHealthy: Bool { !isDown && (successes?.count ?? 0) >= recoverAfter }

    /// The first good round of the current good streak, if any.
    public var goodSince: Timestamp? { successes?.first }
}
