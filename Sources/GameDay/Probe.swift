import Conventions
import Foundation
import IncidentKit
import LabHTTP

/// How the black-box prober judges the target: the paths it asks each round and what counts as failed.
public struct ProbeSettings: Sendable {
    /// The paths asked each round, so that request faults on the pages and the API, readiness and liveness
    /// are all seen.
    public static let defaultPaths = ["/", "/api/notes", "/readyz", "/livez"]

    /// The service's base URL.
    public var target: String
    /// The paths asked each round.
    public var paths = defaultPaths
    /// How many times each path is asked per round, at once: with several samples a round sees a failure
    /// that hits only part of the requests, and tells it from health.
    public var samples = 5
    /// The time between the starts of two rounds.
    public var interval: Duration = .seconds(1)
    /// How long one answer may take before the probe fails as timed out.
    public var timeout: Duration = .seconds(2)
    /// An answer slower than this fails the probe.
    public var slow: Duration = .milliseconds(500)
    /// Failed rounds in a row that make a detection.
    public var failAfter = 3
    /// Good rounds in a row, every probe of each good, that make a recovery.
    public var recoverAfter = 10

    public init(target: String) {
        self.target = target
    }
}

/// One round of probes: when it started and ended, how many probes failed, and why the first one did.
public struct ProbeRound: Sendable, Equatable {
    public var at: Timestamp
    /// When its last answer (or failure) came: the moment the prober knew.
    public var end: Timestamp
    /// Why the round failed (the first failing path and its reason); nil for a good round.
    public var failure: String?
    /// Probes that failed, of ``probes``.
    public var failed: Int
    public var probes: Int

    public init(at: Timestamp, end: Timestamp? = nil, failure: String?, failed: Int? = nil, probes: Int = 1) {
        self.at = at
        self.end = end ?? at
        self.failure = failure
        self.failed = failed ?? (failure == nil ? 0 : 1)
        self.probes = probes
    }

    /// True when every probe of the round succeeded.
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

    /// Asks every path ``ProbeSettings/samples`` times, all at once, and says how many probes failed and why
    /// the first (in path order) did: a connection error, a timeout, a status other than 2xx, or an answer
    /// slower than ``ProbeSettings/slow``. A cancelled task gets ``CancellationError``.
    public func round() async throws -> ProbeRound {
        let started = Timestamp.now
        let asked = settings.paths.flatMap { path in Array(repeating: path, count: settings.samples) }
        let failures = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for (index, path) in asked.enumerated() {
                group.addTask { (index, try await probe(path)) }
            }
            var failures: [(Int, String)] = []
            for try await (index, failure) in group {
                if let failure { failures.append((index, failure)) }
            }
            return failures.sorted { $0.0 < $1.0 }.map(\.1)
        }
        return ProbeRound(
            at: started, end: .now, failure: failures.first, failed: failures.count, probes: asked.count)
    }

    /// Asks `path` once; nil when it answered 2xx in time, else why not.
    private func probe(_ path: String) async throws -> String? {
        let clock = ContinuousClock.now
        do {
            let answer = try await client.exchange(HTTPRequest(), to: settings.target + path)
            let took = ContinuousClock.now - clock
            if !(200..<300).contains(answer.status) { return "\(path) answered \(answer.status)" }
            if took > settings.slow {
                return
                    "\(path) took \(Self.milliseconds(took)) ms (slow above \(Self.milliseconds(settings.slow)) ms)"
            }
            return nil
        } catch let error as HTTPClientError {
            return "\(path): \(error)"
        }
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int((duration / .milliseconds(1)).rounded())
    }
}

/// The prober's memory of one failure: streaks of failed and good rounds, turned into the moment the
/// failure is detected (the round that completes a failure streak) and the moment service came back.
///
/// Recovery needs evidence that tells a partial failure from health: ``ProbeSettings/recoverAfter`` rounds
/// in a row in which every probe succeeded, all after the failure's known end (a fault cleared or expired)
/// when there is one. Service came back at the first round of that streak. With half the requests failing,
/// a round of twenty probes all good is a one-in-a-million chance; ten such rounds in a row never happen.
public struct ProbeTracker: Sendable {
    /// What one round changed.
    public enum Change: Sendable, Equatable {
        /// A failure streak is complete: the failure started at the first failed round, is detected now.
        case detected(firstFailure: Timestamp, at: Timestamp, reason: String)
        /// A good streak is complete after a failure: service came back at its first good round.
        case recovered(firstSuccess: Timestamp, at: Timestamp)
    }

    let failAfter: Int
    let recoverAfter: Int
    /// The failed rounds in a row so far, with the first of them.
    private var failures: (first: Timestamp, count: Int)?
    /// The good rounds in a row so far, with the first of them; only rounds after ``endedAt`` count.
    private var successes: (first: Timestamp, count: Int)?
    /// True between a failure (detected by these probes, or taken up from the record) and its recovery.
    public private(set) var isDown = false
    /// True once these probes detected the current failure: it is detected once.
    private var detected = false
    /// True while the failure is known to last (a fault still in force): no recovery before it ends.
    private var awaitingEnd = false
    /// When the failure is known to have ended; good rounds that started before it do not count.
    private var endedAt: Timestamp?

    public init(failAfter: Int, recoverAfter: Int) {
        self.failAfter = failAfter
        self.recoverAfter = recoverAfter
    }

    /// Takes up a failure these probes did not detect (an alert did, or another prober): from now on the
    /// tracker waits for its recovery. With `awaitingEnd`, the failure is known to last until
    /// ``failureEnded(at:)`` says when it stopped.
    public mutating func failureBegan(awaitingEnd: Bool) {
        isDown = true
        self.awaitingEnd = awaitingEnd
    }

    /// The failure is known to have ended at `at` (its fault was cleared or expired): recovery is the first
    /// good streak that starts no earlier.
    public mutating func failureEnded(at: Timestamp) {
        awaitingEnd = false
        endedAt = at
        if let streak = successes, streak.first < at { successes = nil }
    }

    /// Takes one round; returns the change it completes, if any.
    public mutating func observe(_ round: ProbeRound) -> Change? {
        if let failure = round.failure {
            successes = nil
            let streak = (first: failures?.first ?? round.at, count: (failures?.count ?? 0) + 1)
            failures = streak
            if !detected && streak.count >= failAfter {
                detected = true
                isDown = true
                return .detected(firstFailure: streak.first, at: round.end, reason: failure)
            }
            return nil
        }
        failures = nil
        guard endedAt.map({ round.at >= $0 }) ?? true else { return nil }
        let streak = (first: successes?.first ?? round.at, count: (successes?.count ?? 0) + 1)
        successes = streak
        if isDown && !awaitingEnd && streak.count >= recoverAfter {
            isDown = false
            detected = false
            endedAt = nil
            return .recovered(firstSuccess: streak.first, at: round.at)
        }
        return nil
    }

    /// True once ``ProbeSettings/recoverAfter`` good rounds in a row have been seen and nothing is down.
    public var isHealthy: Bool { !isDown && (successes?.count ?? 0) >= recoverAfter }
}
