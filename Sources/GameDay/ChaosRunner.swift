import Conventions
import Foundation
import IncidentKit
import SLOStatus
import Synchronization

/// A small deterministic generator (SplitMix64): a seed replays the same draws.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One draw from a pool: which fault, held how long, after what gap.
public struct ChaosDraw: Sendable {
    public var entry: ChaosPool.Entry
    public var hold: Double
    public var gap: Double
}

extension ChaosPool {
    /// Draws a fault by weight, its hold and the gap before it.
    public func draw(using random: inout some RandomNumberGenerator) -> ChaosDraw {
        let total = entries.map(\.weight).reduce(0, +)
        var point = Double.random(in: 0..<total, using: &random)
        var chosen = entries[entries.count - 1]
        for entry in entries {
            if point < entry.weight {
                chosen = entry
                break
            }
            point -= entry.weight
        }
        return ChaosDraw(
            entry: chosen, hold: Double.random(in: chosen.hold, using: &random),
            gap: Double.random(in: schedule.gap, using: &random))
    }

    /// When the draw after an experiment that ended (or was due) at `last` may start: a gap after it, never
    /// before `now`, within the allowed hours and days; nil when the schedule allows no time within 8 days.
    public func due(after last: Timestamp?, gap: Double, now: Timestamp) -> Timestamp? {
        let earliest = max(last.map { $0.adding(seconds: gap) } ?? now.adding(seconds: gap), now)
        return schedule.nextAllowed(from: earliest.date).map(Timestamp.init)
    }
}

/// What `incident chaos run` reports as it goes: one line for people, one JSON object with `--json`.
public struct ChaosEvent: Sendable, Encodable {
    public enum Kind: String, Sendable, Encodable {
        /// The next draw and when it is due.
        case scheduled
        /// The guard refused the draw; nothing was injected.
        case skipped
        /// The fault was injected: an experiment began.
        case started
        /// An experiment ended: completed, or halted by the guard.
        case ended
        /// An experiment a runner left running (it was killed) was closed and its fault cleared.
        case closed
        /// A real incident a slow-burn ticket opened after an experiment, over the experiment's own errors, was
        /// cancelled as not a failure of its own.
        case cancelled
        /// The runner stopped: a bound was reached, or it was interrupted.
        case stopped
    }

    public var kind: Kind
    public var at: Timestamp
    public var experiment: Int64?
    public var name: String?
    public var fault: String?
    public var scope: String?
    public var holdS: Double?
    /// When a scheduled draw is due.
    public var dueAt: Timestamp?
    public var incident: Int64?
    /// The experiment's outcome (`completed`, `halted`, `skipped`) and the game day's (`detected`…).
    public var outcome: String?
    public var detected: Bool?
    public var ttdS: Double?
    public var ttrS: Double?
    public var reason: String?
    /// The guard's checks, when it refused.
    public var checks: [GuardVerdict.Check]?

    enum CodingKeys: String, CodingKey {
        case kind, at, experiment, name, fault, scope, incident, outcome, detected, reason, checks
        case holdS = "hold_s"
        case dueAt = "due_at"
        case ttdS = "ttd_s"
        case ttrS = "ttr_s"
    }

    init(_ kind: Kind, at: Timestamp = .now) {
        self.kind = kind
        self.at = at
    }

    /// The event as one line for people.
    public var line: String {
        let what = [
            name, fault.map { "(\($0)\(scope == "1" ? ", 1 replica" : scope == "all" ? ", all replicas" : ""))" },
        ]
        .compactMap { $0 }.joined(separator: " ")
        let experimentText = experiment.map { "experiment #\($0)" } ?? "experiment"
        return switch kind {
        case .scheduled:
            "\(at)  next: \(what) for \(DurationText.human(holdS ?? 0)) at \(dueAt.map(\.description) ?? "?")"
        case .skipped: "\(at)  skipped \(what): \(reason ?? "")"
        case .started: "\(at)  \(experimentText) started: \(what), incident #\(incident ?? 0)"
        case .ended:
            "\(at)  \(experimentText) \(outcome ?? "ended"): "
                + (detected == true ? "detected in \(DurationText.human(ttdS ?? 0))" : "not detected")
                + (ttrS.map { ", recovered in \(DurationText.human($0))" } ?? "") + (reason.map { "; \($0)" } ?? "")
        case .closed: "\(at)  \(experimentText) closed: \(reason ?? "")"
        case .cancelled: "\(at)  incident #\(incident ?? 0) cancelled: \(reason ?? "")"
        case .stopped: "\(at)  stopped: \(reason ?? "")"
        }
    }
}

/// What one `incident chaos run` did.
public struct ChaosTally: Sendable, Encodable {
    public var completed = 0
    public var halted = 0
    public var skipped = 0
    public var interrupted = false

    public var ran: Int { completed + halted }
}

/// Runs a pool's experiments until stopped or bounded: draws a fault and a gap, waits, asks the guard, and
/// plays the fault as a one-step game day with the alerts detecting and the prober measuring recovery, the
/// guard watching every round. Every draw is on record (``ChaosRepository``), so a restarted runner knows
/// when the last experiment ended and closes one it left running.
public struct ChaosRunner: Sendable {
    public let pool: ChaosPool
    public let guardian: ChaosGuard
    public let replicas: [AdminClient]
    public let keeper: AdminClient?
    public let probes: ProbeSettings
    public let store: any IncidentRepository & ChaosRepository
    public let author: String
    public let stop: StopRequest
    /// Stop drawing once a draw would be due after this time.
    public let until: Timestamp?
    /// Stop after this many experiments ran (skipped draws do not count).
    public let maxExperiments: Int?
    public let seed: UInt64?
    public let emit: @Sendable (ChaosEvent) -> Void

    public init(
        pool: ChaosPool, guardian: ChaosGuard, replicas: [AdminClient], keeper: AdminClient?, probes: ProbeSettings,
        store: any IncidentRepository & ChaosRepository, author: String, stop: StopRequest, until: Timestamp?,
        maxExperiments: Int?, seed: UInt64?, emit: @escaping @Sendable (ChaosEvent) -> Void
    ) {
        self.pool = pool
        self.guardian = guardian
        self.replicas = replicas
        self.keeper = keeper
        self.probes = probes
        self.store = store
        self.author = author
        self.stop = stop
        self.until = until
        self.maxExperiments = maxExperiments
        self.seed = seed
        self.emit = emit
    }

    public func run() async throws -> ChaosTally {
        var tally = ChaosTally()
        var random = SplitMix64(seed: seed ?? UInt64.random(in: 0...UInt64.max))
        var last = try await closeUnfinished()
        while !stop.isStopped {
            if let maxExperiments, tally.ran >= maxExperiments {
                emit(stopped("\(maxExperiments) experiment(s) ran (--max-experiments)"))
                return tally
            }
            let draw = pool.draw(using: &random)
            guard let due = pool.due(after: last, gap: draw.gap, now: .now) else {
                throw IncidentError.invalidInput(
                    "the pool's schedule allows no time in the next 8 days; check schedule.hours and schedule.days")
            }
            if let until, due > until {
                emit(stopped("the next draw would be due after --until (\(until))"))
                return tally
            }
            var scheduled = event(.scheduled, draw)
            scheduled.dueAt = due
            emit(scheduled)
            await stop.sleep(until: .now + .seconds(max(0, Timestamp.now.seconds(until: due))))
            if stop.isStopped { break }
            try await cancelBurnTails()
            let verdict = await guardian.verdict(for: draw.entry.step.text)
            if let refusal = verdict.refusal {
                let recorded = try await record(draw, outcome: .skipped, reason: refusal)
                last = recorded.endedAt
                tally.skipped += 1
                var skipped = event(.skipped, draw, experiment: recorded)
                skipped.reason = refusal
                skipped.checks = verdict.checks.filter { !$0.passed }
                emit(skipped)
                continue
            }
            let experiment = try await play(draw)
            last = experiment.endedAt ?? .now
            switch experiment.outcome {
            case .completed: tally.completed += 1
            case .halted: tally.halted += 1
            case .skipped: tally.skipped += 1
            case .running: break
            }
        }
        tally.interrupted = true
        emit(stopped("interrupted; every fault the runner injected is cleared"))
        return tally
    }

    private func stopped(_ reason: String) -> ChaosEvent {
        var event = ChaosEvent(.stopped)
        event.reason = reason
        return event
    }

    private func event(_ kind: ChaosEvent.Kind, _ draw: ChaosDraw, experiment: ChaosExperiment? = nil) -> ChaosEvent {
        var event = ChaosEvent(kind)
        event.experiment = experiment?.id
        event.name = draw.entry.step.name
        event.fault = draw.entry.step.text
        event.scope = draw.entry.scope
        event.holdS = draw.hold
        event.incident = experiment?.incidentId
        return event
    }

    private func record(_ draw: ChaosDraw, outcome: ChaosExperiment.Outcome, reason: String?) async throws
        -> ChaosExperiment
    {
        let now = Timestamp.now
        var experiment = ChaosExperiment(
            pool: pool.name, service: pool.service, name: draw.entry.step.name, fault: draw.entry.step.text,
            scope: draw.entry.scope, holdS: draw.hold, startedAt: now, outcome: outcome,
            reason: reason, author: author)
        if outcome == .skipped { experiment.endedAt = now }
        return try await store.recordChaos(experiment)
    }

    /// Plays one draw the guard allowed: on record as running before anything is injected, then ended with
    /// its incident and how it went.
    private func play(_ draw: ChaosDraw) async throws -> ChaosExperiment {
        let running = try await record(draw, outcome: .running, reason: nil)
        let budgets = try await guardian.budgets(now: .now)
        let watch = guardian.watch(spentBefore: budgets)
        let id = running.id!
        let emit = emit
        let started = event(.started, draw, experiment: running)
        let linked = FirstTime()
        let scorecard = try await GameDayRunner(
            scenario: pool.scenario(playing: draw.entry, hold: draw.hold), replicas: replicas, keeper: keeper,
            probes: probes, store: store, author: author, stop: stop,
            detector: .alerts(prometheus: guardian.meter.prometheus),
            halt: { [store] incident, injectedAt in
                if linked.first() {
                    // The first round: the experiment names its incident at once, in case the runner dies now.
                    _ = try? await store.linkChaos(id, incident: incident)
                    var now = started
                    now.at = injectedAt
                    now.incident = incident
                    emit(now)
                }
                return await watch.haltReason(incident: incident, injectedAt: injectedAt)
            },
            player: "chaos", progress: { _ in }
        ).run()
        let result = scorecard.steps[0]
        let outcome: ChaosExperiment.Outcome
        let reason: String
        if result.outcome == .skipped {
            (outcome, reason) = (.skipped, scorecard.unhealthy ?? result.note ?? "not run")
        } else if let halted = result.halted {
            (outcome, reason) = (.halted, halted)
        } else if result.outcome == .interrupted {
            (outcome, reason) = (.halted, "interrupted: the runner was stopped; the fault was cleared")
            try await closeIncident(result.incident!, fix: "the chaos runner cleared the fault when it was stopped")
        } else {
            (outcome, reason) = (.completed, result.note ?? result.outcome.rawValue)
        }
        let ended = try await store.endChaos(id, incident: result.incident, outcome: outcome, reason: reason, at: .now)
        var endedEvent = event(.ended, draw, experiment: ended)
        endedEvent.outcome = outcome.rawValue
        endedEvent.detected = result.detectedAt != nil
        endedEvent.ttdS = result.ttd
        endedEvent.ttrS = result.recovered ? result.ttr : nil
        endedEvent.reason = outcome == .completed ? (result.outcome == .detected ? nil : reason) : reason
        emit(endedEvent)
        return ended
    }

    /// Cancels the real incidents a guarded SLO's slow-burn ticket opened just after one of the pool's
    /// experiments recovered (the alert intake notes that the experiment's failure may be returning): the
    /// ticket's windows still held the experiment's own errors, and it is no failure of its own. A page, or any
    /// other alert, stays a real incident, and the guard waits for a person to resolve it.
    private func cancelBurnTails() async throws {
        let tickets = Set(guardian.slos.map { "alert:\($0.alertName)Slow" })
        let open = try await store.list(
            IncidentFilter(statuses: IncidentStatus.unresolved, service: pool.service, kind: .real))
        guard open.contains(where: { $0.detection.map(tickets.contains) == true }) else { return }
        let experiments = try await store.chaosExperiments(pool: pool.name, service: pool.service, since: nil)
        for incident in open where incident.detection.map(tickets.contains) == true && !incident.cancelled {
            let timeline = try await store.detail(incident.id!).timeline
            guard
                let experiment = experiments.first(where: { experiment in
                    experiment.incidentId.map { id in
                        timeline.contains { $0.text.contains("may be the failure of #\(id) returning") }
                    } == true
                }), timeline.filter({ $0.kind == .detected }).count == 1
            else { continue }
            let reason =
                "the slow burn of chaos experiment #\(experiment.id!) (incident #\(experiment.incidentId!)): "
                + "\(incident.detection!.dropFirst(6)) fired after it recovered, over its own errors, not a failure of "
                + "its own"
            _ = try await store.cancel(incident.id!, reason: reason, at: .now, by: author, now: .now)
            var event = ChaosEvent(.cancelled)
            event.incident = incident.id
            event.experiment = experiment.id
            event.reason = reason
            emit(event)
        }
    }

    /// Resolves an experiment's incident that is still open, with the pool's cause.
    private func closeIncident(_ id: Int64, fix: String) async throws {
        let incident = try await store.detail(id).incident
        guard incident.resolvedAt == nil, !incident.cancelled else { return }
        _ = try await store.resolve(
            id, at: .now, cause: pool.cause ?? "injected by chaos \(pool.name): \(incident.fault ?? "")",
            category: "chaos", fix: fix, prevent: [], by: author, now: .now)
    }

    /// Closes the experiments of the pool a runner left running (it was killed, or its machine stopped):
    /// clears a fault still in force, resolves the incident, and ends the experiment as halted. Returns when
    /// the pool's last experiment ended (or was due), for the next gap.
    private func closeUnfinished() async throws -> Timestamp? {
        let experiments = try await store.chaosExperiments(pool: pool.name, service: pool.service, since: nil)
        for experiment in experiments where experiment.outcome == .running {
            var reason = "the runner stopped during the experiment; closed when it started again"
            if let id = experiment.incidentId {
                let detail = try await store.detail(id)
                if let (target, _) = try? Injection.faultOf(detail) {
                    guard let admin = (replicas + [keeper].compactMap { $0 }).first(where: { $0.target == target })
                    else {
                        throw IncidentError.unavailable(
                            "experiment #\(experiment.id!) left the fault of incident #\(id) on \(target), which is "
                                + "none of the replicas given; clear it with `incident clear \(id) --target \(target)`")
                    }
                    _ = try await Injection.clear(detail, admin: admin, store: store, by: author)
                    reason += "; its fault was cleared then"
                }
                try await closeIncident(id, fix: "the chaos runner cleared the fault when it started again")
            }
            let closed = try await store.endChaos(
                experiment.id!, incident: experiment.incidentId, outcome: .halted, reason: reason, at: .now)
            var event = ChaosEvent(.closed)
            event.experiment = closed.id
            event.name = closed.name
            event.fault = closed.fault
            event.incident = closed.incidentId
            event.reason = reason
            emit(event)
        }
        return try await store.chaosExperiments(pool: pool.name, service: pool.service, since: nil).last.map {
            $0.endedAt ?? $0.startedAt
        }
    }
}

/// True the first time it is asked only.
private final class FirstTime: Sendable {
    private let asked = Atomic(false)

    func first() -> Bool { !asked.exchange(true, ordering: .relaxed) }
}
