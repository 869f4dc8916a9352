import Conventions
import FaultCatalog
import Foundation
import IncidentKit
import SLOStatus

/// Who detects a game day's failures.
public enum Detector: Sendable {
    /// The built-in black-box prober records the detection.
    case probe
    /// Alerts arriving at `incident serve` record it; the game day only reads the store. Between steps it
    /// waits until Prometheus (at the URL) shows no paging alert of the service pending or firing.
    case alerts(prometheus: PrometheusClient)

    var name: String {
        switch self {
        case .probe: "probe"
        case .alerts: "alerts"
        }
    }
}

/// Plays a ``Scenario`` against the target: for each step it injects the fault (recording the injected
/// incident), probes until the failure is detected or `detect_within` passes, clears the fault after its
/// hold, probes until the target is healthy again or `recover_within` passes, and resolves the incident.
/// Between steps it waits until the target is healthy, so that no step is blamed for the one before.
///
/// The prober asks the target users reach (a load balancer, in the production-like lab); faults go through
/// the admin API of the replicas behind it: the first one, or all of them, as each step says.
public struct GameDayRunner: Sendable {
    public let scenario: Scenario
    /// The admin API of every replica, in order; the first is the one a `replicas: 1` step breaks.
    public let replicas: [AdminClient]
    /// The lab's keeper, which plays the steps' faults from outside the app (kill, partition, db_down…).
    public let keeper: AdminClient?
    public let probes: ProbeSettings
    public let store: any IncidentRepository
    public let author: String
    public let stop: StopRequest
    /// The supervisor that restarts the app, when the game day runs one: a restart ends a failure the probes
    /// may not have seen.
    public let supervisor: Supervisor?
    /// Who records detections.
    public let detector: Detector
    /// The shell command that rolls a release out (and back) for the scenario's `deploy:` steps, with
    /// `RELEASE --strategy S --json`: `scripts/deploy.sh` in the lab.
    public let deployCommand: String?
    /// Asked every probe round while a fault step's fault is in force, with its incident and injection time:
    /// a reason to clear it at once (the chaos guard's), or nil to go on.
    public let halt: (@Sendable (_ incident: Int64, _ injectedAt: Timestamp) async -> String?)?
    /// What plays the scenario, as titles, causes and fixes name it: `game day`, `chaos`.
    public let player: String
    /// Reports progress, one line at a time.
    public let progress: @Sendable (String) -> Void

    public init(
        scenario: Scenario, replicas: [AdminClient], keeper: AdminClient? = nil, probes: ProbeSettings,
        store: any IncidentRepository, author: String,
        stop: StopRequest, supervisor: Supervisor? = nil, detector: Detector = .probe, deployCommand: String? = nil,
        halt: (@Sendable (Int64, Timestamp) async -> String?)? = nil, player: String = "game day",
        progress: @escaping @Sendable (String) -> Void
    ) {
        self.scenario = scenario
        precondition(!replicas.isEmpty, "a game day breaks at least one replica")
        self.replicas = replicas
        self.keeper = keeper
        self.probes = probes
        self.store = store
        self.author = author
        self.stop = stop
        self.supervisor = supervisor
        self.detector = detector
        self.deployCommand = deployCommand
        self.halt = halt
        self.player = player
        self.progress = progress
    }

    /// Runs every step and returns the scorecard. Steps after an interruption, or after a target that did
    /// not come back, are reported as skipped.
    public func run() async throws -> Scorecard {
        var results: [StepResult] = []
        var unhealthy: String?
        let prober = Prober(probes)
        for (index, step) in scenario.steps.enumerated() {
            let label = "[\(index + 1)/\(scenario.steps.count)] \(step.name)"
            if unhealthy == nil, !stop.isStopped,
                !(try await waitUntilHealthy(prober, for: max(step.recoverWithin, 30)))
            {
                unhealthy =
                    "\(probes.target) was not healthy before step \(index + 1) (\(try await prober.round().failure ?? "?"))"
            }
            guard unhealthy == nil, !stop.isStopped else {
                results.append(skipped(step, because: stop.isStopped ? "interrupted" : "the target was not healthy"))
                continue
            }
            try await waitUntilAlertsQuiet(label)
            let result: StepResult
            switch step.breakage {
            case .fault(let fault):
                progress("\(label): injecting \(fault.text)")
                result = try await play(step, fault, prober: prober, label: label)
            case .deploy(let plan):
                progress("\(label): deploying \(plan.release) (\(plan.strategy.rawValue))")
                result = try await playDeploy(step, plan, prober: prober, label: label)
            }
            results.append(result)
            progress(
                "\(label): \(result.outcome.rawValue)" + (result.ttd.map { ", TTD \(DurationText.human($0))" } ?? "")
                    + (result.recovered ? ", TTR \(DurationText.human(result.ttr))" : "")
                    + (result.note.map { "; \($0)" } ?? ""))
        }
        return Scorecard(
            scenario: scenario.name, detector: detector.name, steps: results, interrupted: stop.isStopped,
            unhealthy: unhealthy)
    }

    private func skipped(_ step: Scenario.Step, because reason: String) -> StepResult {
        StepResult(name: step.name, fault: step.text, outcome: .skipped, recovered: false, note: reason)
    }

    /// With alerts as the detector, waits (up to five minutes) until no paging alert of the service is
    /// pending or firing, so that no step is blamed for the alert of the step before.
    private func waitUntilAlertsQuiet(_ label: String) async throws {
        guard case .alerts(let prometheus) = detector else { return }
        let query = "ALERTS{service=\"\(scenario.service)\",severity=\"page\"}"
        let deadline = ContinuousClock.now + .seconds(300)
        var said = false
        while !stop.isStopped && ContinuousClock.now < deadline {
            let active: [PrometheusSample]
            do {
                active = try await prometheus.query(query, at: .now)
            } catch {
                throw IncidentError.unavailable("\(error)")
            }
            if active.isEmpty { return }
            if !said {
                progress(
                    "\(label): waiting for \(active.map { $0.labels["alertname"] ?? "?" }.joined(separator: ", ")) to end"
                )
                said = true
            }
            await stop.sleep(until: .now + .seconds(1))
        }
        if !stop.isStopped { progress("\(label): paging alerts still active after 5 minutes; going on") }
    }

    /// Probes until `recoverAfter` good rounds in a row, or `limit` seconds pass.
    private func waitUntilHealthy(_ prober: Prober, for limit: Double) async throws -> Bool {
        var tracker = ProbeTracker(failAfter: probes.failAfter, recoverAfter: probes.recoverAfter)
        let deadline = ContinuousClock.now + .seconds(limit)
        while !stop.isStopped && ContinuousClock.now < deadline {
            let next = ContinuousClock.now + probes.interval
            _ = tracker.observe(try await prober.round())
            if tracker.isHealthy { return true }
            await stop.sleep(until: next)
        }
        return false
    }

    /// Which replicas a step breaks, and how the scorecard names them (`1 of 3`, `all`). A fault from
    /// outside the app goes to the keeper, and names what it hits itself (`replica=2`, `from=lb to=replica-1`).
    private func targets(of step: Scenario.Step, _ fault: FaultSpec) -> (admins: [AdminClient], scope: String) {
        if fault.action.type.isOutside, let keeper {
            let scope: String =
                switch fault.action {
                case .kill(.all), .pause(.all), .cpuThrottle(.all, _), .oom(.all): "all"
                case .kill(.one), .pause(.one), .cpuThrottle(.one, _), .oom(.one): "1 of \(replicas.count)"
                case .partition(let from, let to): "\(from.name)→\(to.name)"
                default: "db"
                }
            return ([keeper], scope)
        }
        return switch step.replicas {
        case .one: ([replicas[0]], "1 of \(replicas.count)")
        case .all: (replicas, "all")
        }
    }

    private func play(_ step: Scenario.Step, _ fault: FaultSpec, prober: Prober, label: String) async throws
        -> StepResult
    {
        let (admins, scope) = targets(of: step, fault)
        let detail = try await Injection.inject(
            fault,
            title: "\(player.prefix(1).uppercased() + player.dropFirst()) \(scenario.name): \(step.name)"
                + (replicas.count > 1 ? " (\(scope))" : ""),
            service: scenario.service, severity: step.severity, admin: admins[0], store: store, by: author)
        let id = detail.incident.id!
        let injectedAt = detail.incident.startedAt
        // The other replicas' faults: the incident records the first; the timeline notes each of these.
        var others: [(admin: AdminClient, faultId: Int64)] = []
        do {
            for admin in admins.dropFirst() {
                let injected = try await admin.inject(fault)
                others.append((admin, Int64(injected.id)))
                _ = try await store.note(
                    id, "fault also injected on \(admin.target) (app fault \(injected.id))", at: .now, by: author,
                    now: .now)
            }
        } catch {
            await Self.clear(others)
            _ = try? await uncancelled { [self] in try await clear(id) }
            throw error
        }
        var result = StepResult(
            name: step.name, fault: detail.incident.fault ?? fault.text, incident: id, injectedAt: injectedAt,
            outcome: .undetected, recovered: false)
        result.scope = replicas.count > 1 ? scope : nil
        // The injected failure lasts until its fault is cleared (or the supervisor restarts the app); only
        // then can good rounds be a recovery.
        var tracker = ProbeTracker(failAfter: probes.failAfter, recoverAfter: probes.recoverAfter)
        tracker.failureBegan(awaitingEnd: true)
        var wentDown = false
        var failedRounds = 0
        var cleared: Timestamp?
        let detectBy = injectedAt.adding(seconds: step.detectWithin)
        let clearAt = injectedAt.adding(seconds: step.hold)
        do {
            while !stop.isStopped {
                let next = ContinuousClock.now + probes.interval
                if let ended = failureEnd(cleared: cleared, injectedAt: injectedAt) { tracker.failureEnded(at: ended) }
                let round = try await prober.round()
                if !round.ok { failedRounds += 1 }
                switch tracker.observe(round) {
                case .detected(_, let at, let reason)?:
                    wentDown = true
                    if case .probe = detector, result.detectedAt == nil && at <= detectBy {
                        _ = try await store.detect(id, at: at, via: "probe", by: author, now: .now)
                        result.detectedAt = at
                        progress("\(label): detected by the probe: \(reason)")
                    }
                case .recovered(let firstSuccess, _)?:
                    result.recoveredAt = firstSuccess
                case nil:
                    break
                }
                if case .alerts = detector, result.detectedAt == nil,
                    let detected = try await store.detail(id).incident.detectedAt
                {
                    result.detectedAt = detected
                    progress("\(label): detected by \(try await store.detail(id).incident.detection ?? "an alert")")
                }
                if cleared == nil, let halt, let reason = await halt(id, injectedAt) {
                    result.halted = reason
                    progress("\(label): halted: \(reason)")
                    cleared = try await clear(id)
                    await Self.clear(others)
                    _ = try await store.note(id, "halted: \(reason); fault cleared", at: .now, by: author, now: .now)
                }
                if cleared == nil && Timestamp.now >= clearAt {
                    cleared = try await clear(id)
                    await Self.clear(others)
                }
                if let since = cleared,
                    result.recoveredAt != nil || Timestamp.now > since.adding(seconds: step.recoverWithin)
                {
                    break
                }
                await stop.sleep(until: next)
            }
            if cleared == nil {
                _ = try await clear(id)
                await Self.clear(others)
            }
        } catch {
            // The record failed (a full disk, a lost lock): the fault must not stay in force until it expires.
            if cleared == nil, let faultId = detail.incident.faultId {
                _ = try? await uncancelled { [first = admins[0]] in try await first.clear(faultId) }
                await Self.clear(others)
            }
            throw error
        }
        return try await finish(step, result, fix: "the \(player) cleared the fault") {
            result in
            if result.detectedAt != nil { return nil }
            if let restart = supervisor?.restartedAt.map(Timestamp.init), restart >= result.injectedAt!, !wentDown {
                return "down only until the supervisor restarted it, "
                    + "\(DurationText.human(result.injectedAt!.seconds(until: restart))) after the injection: fewer "
                    + "than --fail-after probes failed"
            }
            if Scorecard.invisibleToProbes.contains(fault.action.type) && !wentDown {
                return "a black-box probe cannot see \(fault.action.type.rawValue): it changes no answer; only "
                    + "alerts on process metrics can"
            }
            return wentDown
                ? "seen failing only after detect_within"
                : failedRounds == 0
                    ? "no probe failed"
                    : "\(counted(failedRounds, "round")) failed, fewer than --fail-after in a row before the fault "
                        + "was cleared"
        }
    }

    /// When a failure the probes never saw ended: when the supervisor restarted the app after the injection
    /// (a crash), else when the fault was cleared.
    private func failureEnd(cleared: Timestamp?, injectedAt: Timestamp) -> Timestamp? {
        if let restart = supervisor?.restartedAt.map(Timestamp.init), restart >= injectedAt { return restart }
        return cleared
    }

    /// Clears the faults a step put on the replicas after the first, whatever happens (Ctrl-C included); one
    /// already gone (expired, or the replica restarted) is no error.
    private static func clear(_ faults: [(admin: AdminClient, faultId: Int64)]) async {
        for (admin, faultId) in faults {
            _ = try? await uncancelled { try await admin.clear(faultId) }
        }
    }

    /// Clears the step's fault on the replica its incident records and returns when.
    private func clear(_ id: Int64) async throws -> Timestamp {
        let detail = try await store.detail(id)
        guard let (target, _) = try? Injection.faultOf(detail) else { return .now }
        let admin = (replicas + [keeper].compactMap { $0 }).first { $0.target == target } ?? replicas[0]
        return switch try await Injection.clear(detail, admin: admin, store: store, by: author).ending {
        case .cleared(let at), .expired(let at), .gone(let at): at
        }
    }

    /// Records the step's recovery and resolution, and says what the scorecard should: `fix` is the
    /// incident's fix, and `note` gives the step's note once its detection is known (nil: none). A step cut
    /// short, or not healthy again in time, is left open.
    func finish(
        _ step: Scenario.Step, _ result: StepResult, fix: String, note: (StepResult) -> String?
    ) async throws -> StepResult {
        var result = result
        let id = result.incident!
        if stop.isStopped && result.recoveredAt == nil {
            result.outcome = .interrupted
            result.note = "interrupted: the fault was cleared, the incident left open"
            _ = try await store.note(id, "\(player) interrupted; fault cleared", at: .now, by: author, now: .now)
            return result
        }
        guard let recovered = result.recoveredAt else {
            result.outcome = .notRecovered
            result.note = "not healthy \(DurationText.human(step.recoverWithin)) after the fault was cleared; left open"
            _ = try await store.note(id, result.note!, at: .now, by: author, now: .now)
            return result
        }
        result.recovered = true
        let current = try await store.recordProbeRecovery(id, serviceBackAt: recovered, by: author).incident
        if case .alerts = detector, result.detectedAt == nil, let detected = current.detectedAt,
            detected <= result.injectedAt!.adding(seconds: step.detectWithin)
        {
            result.detectedAt = detected
        }
        _ = try await store.resolve(
            id, at: .now, cause: step.cause ?? "injected by \(player) \(scenario.name): \(result.fault)",
            category: step.category ?? (result.deploy != nil ? "deploy" : "gameday"), fix: fix,
            prevent: step.prevent, by: author, now: .now)
        result.outcome = result.detectedAt != nil ? .detected : .undetected
        result.note = note(result)
        return result
    }
}
