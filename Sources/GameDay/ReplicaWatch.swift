import Foundation
import IncidentKit

/// A replica turning failing or good again, as `incident watch --per-replica` reports it (one line, or one
/// JSON object with `--json`, beside the ``WatchEvent``s).
public struct ReplicaEvent: Sendable, Encodable, Equatable {
    public enum Kind: String, Sendable, Encodable {
        /// The replica's probes completed a failure streak.
        case failing = "replica_failing"
        /// The replica's probes completed a good streak after a failure.
        case recovered = "replica_recovered"
    }

    public var kind: Kind
    /// When the streak completed: the moment the prober knew.
    public var at: Timestamp
    /// The replica's name, `replica-N` by its place in the list (the lab's `instance` label).
    public var replica: String
    public var url: String
    /// Why its probes failed (failing), from the first failed round of the streak.
    public var reason: String?
    /// The first failed round (failing) or the first good round (recovered) of the streak.
    public var since: Timestamp

    /// The event as one line for people.
    public var line: String {
        switch kind {
        case .failing: "\(at)  \(replica) (\(url)) failing since \(since): \(reason ?? "")"
        case .recovered: "\(at)  \(replica) (\(url)) good again since \(since)"
        }
    }
}

/// The prober's view of each replica behind the load balancer: the rounds asked of the load balancer are
/// asked of every replica's own URL too, and a replica's streaks are judged as the load balancer's are
/// (``ProbeSettings/failAfter`` failed rounds make it failing, ``ProbeSettings/recoverAfter`` good ones make
/// it good). It records nothing: users meet the load balancer, whose probes alone detect and recover
/// incidents; this view says which replica the load balancer is hiding.
public struct ReplicaWatch: Sendable {
    /// One replica: its name, its prober and what its rounds showed.
    public struct Replica: Sendable {
        public let name: String
        let prober: Prober
        /// The replica's own base URL.
        public var url: String { prober.settings.target }
        var tracker: ProbeTracker
        /// The replica's last round.
        public fileprivate(set) var lastRound: ProbeRound?
        /// True between a completed failure streak and a completed good one.
        public var isFailing: Bool { tracker.isDown }
    }

    public private(set) var replicas: [Replica]

    /// Probes each of `urls` (`replica-1` first) as `settings` says for the load balancer.
    public init(settings: ProbeSettings, urls: [String]) {
        replicas = urls.enumerated().map { index, url in
            var own = settings
            own.target = url
            return Replica(
                name: "replica-\(index + 1)", prober: Prober(own),
                tracker: ProbeTracker(failAfter: settings.failAfter, recoverAfter: settings.recoverAfter))
        }
    }

    /// Runs one round on every replica at once; the rounds are in the order of ``replicas``.
    public func rounds() async throws -> [ProbeRound] {
        try await withThrowingTaskGroup(of: (Int, ProbeRound).self) { group in
            for (index, replica) in replicas.enumerated() {
                group.addTask { (index, try await replica.prober.round()) }
            }
            var rounds = [ProbeRound?](repeating: nil, count: replicas.count)
            for try await (index, round) in group { rounds[index] = round }
            return rounds.map { $0! }
        }
    }

    /// Takes the rounds of ``rounds()``; returns the replicas that turned failing or good again.
    public mutating func observe(_ rounds: [ProbeRound]) -> [ReplicaEvent] {
        zip(replicas.indices, rounds).compactMap { index, round in
            replicas[index].lastRound = round
            let replica = replicas[index]
            let url = replica.url
            switch replicas[index].tracker.observe(round) {
            case nil:
                return nil
            case .detected(let firstFailure, let at, let reason):
                return ReplicaEvent(
                    kind: .failing, at: at, replica: replica.name, url: url, reason: reason, since: firstFailure)
            case .recovered(let firstSuccess, let at):
                return ReplicaEvent(kind: .recovered, at: at, replica: replica.name, url: url, since: firstSuccess)
            }
        }
    }

    /// Each replica's state in a few words, for a status line: `replica-1 ok, replica-2 FAILING (3 of 20)`.
    public var summary: String {
        replicas.map { replica in
            guard let round = replica.lastRound else { return "\(replica.name) ?" }
            let state = replica.isFailing ? "FAILING" : round.ok ? "ok" : "failing"
            return "\(replica.name) \(state)" + (round.ok ? "" : " (\(round.failed) of \(round.probes))")
        }.joined(separator: ", ")
    }
}
