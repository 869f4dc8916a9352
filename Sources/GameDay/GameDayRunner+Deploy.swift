import Conventions
import Foundation
import IncidentKit

extension GameDayRunner {
    /// Plays a `deploy:` step: records the injected incident, runs the deploy command on the bad release and
    /// follows it. A deploy that stops by itself (the canary's analysis, the rollout's readiness gate) detects
    /// the failure and ends it with its rollback; a release that went out stays until the failure is detected
    /// (by the probe or the alerts) or `detect_within` passes, and the game day then rolls it back. The
    /// incident starts when the deploy starts, names the deploy as its cause, and recovers at the end of the
    /// rollback; the scorecard says how much of the traffic the release served, and for how long.
    func playDeploy(_ step: Scenario.Step, _ plan: Scenario.ReleaseDeploy, prober: Prober, label: String)
        async throws -> StepResult
    {
        guard let deployCommand else {
            throw IncidentError.invalidInput(
                "step '\(step.name)' deploys a release: pass --deploy-command (or set INCIDENT_DEPLOY_COMMAND, as the "
                    + "lab's lab.env does)")
        }
        let injectedAt = Timestamp.now
        let id = try await store.open(
            Incident(
                title: "Game day \(scenario.name): \(step.name)", service: scenario.service, severity: step.severity,
                kind: .injected, fault: plan.text, startedAt: injectedAt),
            by: author, now: .now
        ).incident.id!
        var result = StepResult(
            name: step.name, fault: plan.text, incident: id, injectedAt: injectedAt, outcome: .undetected,
            recovered: false)
        var deploy: DeployRun
        do {
            deploy = try DeployRun(
                command: deployCommand,
                arguments: [plan.release, "--strategy", plan.strategy.rawValue, "--json"] + plan.options)
        } catch {
            _ = try? await uncancelled { [store, author] in
                try await store.cancel(id, reason: "the deploy did not start", at: .now, by: author, now: .now)
            }
            throw error
        }
        var follower = DeployFollower(step: step, injectedAt: injectedAt)
        var rollback: DeployRun?
        defer {
            deploy.discard()
            rollback?.discard()
        }
        var tracker = ProbeTracker(failAfter: probes.failAfter, recoverAfter: probes.recoverAfter)
        tracker.failureBegan(awaitingEnd: true)
        do {
            while true {
                let next = ContinuousClock.now + probes.interval
                let running = deploy.process.isRunning
                for event in deploy.events() { try await follow(event, &follower, &result, label: label) }
                if follower.outcome == nil && !running {
                    // Ended without saying how: refused before it changed anything, or cut short after.
                    guard follower.started else { throw try await refused(deploy, incident: id) }
                    follower.outcome = Self.unfinished
                    progress("\(label): the deploy ended without a result: \(deploy.errors.suffix(300))")
                }
                if let running = rollback?.process.isRunning {
                    for event in rollback!.events() {
                        try await follow(event, &follower, &result, label: label, rollingBack: true)
                    }
                    if !running && follower.rolledBack == nil {
                        follower.rollbackFailed =
                            rollback!.errors.isEmpty ? "it ended without a result" : rollback!.errors
                    }
                }
                let round = try await prober.round()
                if case .detected(_, let at, let reason)? = tracker.observe(round), case .probe = detector,
                    result.detectedAt == nil, at <= follower.detectBy
                {
                    try await detect(id, at: at, via: "probe", &result)
                    progress("\(label): detected by the probe: \(reason)")
                }
                if case .alerts = detector, result.detectedAt == nil,
                    let detected = try await store.detail(id).incident.detectedAt
                {
                    result.detectedAt = detected
                    progress("\(label): detected by \(try await store.detail(id).incident.detection ?? "an alert")")
                }
                if let recoverBy = follower.recoverBy, Timestamp.now > recoverBy, !follower.isDone {
                    follower.rollbackFailed =
                        "not rolled back \(DurationText.human(step.recoverWithin)) (recover_within) after it began"
                }
                if follower.isDone { break }
                let outThere =
                    follower.outcome == Self.unfinished
                    || (follower.outcome == "succeeded"
                        && (result.detectedAt != nil || Timestamp.now > follower.detectBy || stop.isStopped))
                if outThere, rollback == nil {
                    progress("\(label): rolling \(plan.release) back to \(follower.before)")
                    rollback = try DeployRun(
                        command: deployCommand, arguments: [follower.before, "--strategy", "rolling", "--json"])
                    follower.recoverBy = Timestamp.now.adding(seconds: step.recoverWithin)
                }
                // Ctrl-C asks the deploy to roll back, unless it is rolling back already.
                if stop.isStopped && follower.outcome == nil && !follower.stopping && !follower.interrupted {
                    deploy.interrupt()
                    follower.interrupted = true
                }
                await stop.sleep(until: next)
                if stop.isStopped { await pause(seconds: 0.2) }
            }
        } catch {
            // The record failed, or the deploy went wrong: the release must not stay out.
            deploy.interrupt()
            await deploy.process.waitUntilExit()
            if rollback == nil, follower.started, follower.outcome != "rolled-back" {
                rollback = try? DeployRun(
                    command: deployCommand, arguments: [follower.before, "--strategy", "rolling", "--json"])
            }
            await rollback?.process.waitUntilExit()
            throw error
        }
        // Both have ended, or are about to: collect them.
        if follower.outcome != Self.unfinished { await deploy.process.waitUntilExit() }
        if follower.rolledBack != nil { await rollback?.process.waitUntilExit() }
        if let deployId = follower.deployId {
            do {
                _ = try await store.edit(id, [(.causedBy, String(deployId))], by: author, now: .now)
                result.deploy = deployId
            } catch {
                _ = try await store.note(
                    id, "the deploy command recorded deploy #\(deployId), which this store does not hold: \(error)",
                    at: .now, by: author, now: .now)
            }
        }
        result.recoveredAt = follower.recoveredAt
        let end = follower.recoveredAt ?? .now
        result.exposure = follower.exposure.text(upTo: end)
        result.exposedS = follower.exposure.seconds(upTo: end)
        let seen = follower.exposure.text(upTo: end, ofTraffic: true)
        if stop.isStopped && result.detectedAt == nil {
            // Stopped by the operator before anything detected it: no finding either way; left open.
            result.outcome = .interrupted
            result.recoveredAt = nil
            result.note =
                "interrupted: "
                + (follower.rollbackFailed.map { "the rollback failed: \($0)" } ?? "the release was rolled back")
                + ", the incident left open"
            _ = try await store.note(id, "game day interrupted; \(result.note!)", at: .now, by: author, now: .now)
            return result
        }
        if result.recoveredAt == nil {
            result.outcome = .notRecovered
            result.note = follower.note(exposure: seen, strategy: plan.strategy) + "; left open"
            _ = try await store.note(id, result.note!, at: .now, by: author, now: .now)
            return result
        }
        return try await finish(step, result, fix: follower.fix) { _ in
            follower.note(exposure: seen, strategy: plan.strategy)
        }
    }

    /// Takes one event of the deploy (or of the game day's rollback) into account.
    private func follow(
        _ event: DeployRun.Event, _ follower: inout DeployFollower, _ result: inout StepResult, label: String,
        rollingBack: Bool = false
    ) async throws {
        follower.exposure.observe(event)
        switch event.event {
        case "message":
            progress("\(label): \(rollingBack ? "rollback" : "deploy"): \(event.message ?? "")")
        case "started" where !rollingBack:
            follower.started = true
            follower.before = event.before?.first ?? follower.before
        case "stopping" where !rollingBack:
            follower.stopping = true
            follower.recoverBy = event.at.adding(seconds: follower.recoverWithin)
            // Only a verdict on the release detects it; a failing lab (`error`) or no data (`no-data`) does not.
            guard let by = event.by, [Detection.canary, Detection.rollout].contains(by) else {
                follower.stopReason = event.reason
                return
            }
            follower.stoppedBy = by
            if result.detectedAt == nil, event.at <= follower.detectBy,
                try await store.detail(result.incident!).incident.detectedAt == nil
            {
                try await detect(result.incident!, at: event.at, via: by, &result)
                progress("\(label): detected by the \(by): \(event.reason ?? "")")
            }
        case "done" where !rollingBack:
            follower.outcome = event.result ?? "unknown"
            follower.deployId = event.deploy
            if follower.outcome != "succeeded" { follower.recoveredAt = event.at }
        case "done":
            follower.rolledBack = event.result
            if event.result == "succeeded" {
                follower.recoveredAt = event.at
            } else {
                follower.rollbackFailed = event.notes ?? "it ended \(event.result ?? "without a result")"
            }
        default:
            break
        }
    }

    private func detect(_ id: Int64, at: Timestamp, via method: String, _ result: inout StepResult) async throws {
        _ = try await store.detect(id, at: at, via: method, by: author, now: .now)
        result.detectedAt = at
    }

    /// The error for a deploy command that ended before it started a rollout: it refused the release (64),
    /// could not reach the lab (69), or could not run at all (126, 127). Nothing was deployed, so the incident
    /// is cancelled.
    private func refused(_ deploy: DeployRun, incident id: Int64) async throws -> IncidentError {
        let status = deploy.process.terminationStatus
        let reason = deploy.errors.isEmpty ? "it exited with status \(status)" : deploy.errors
        _ = try await store.cancel(id, reason: "the deploy did not run: \(reason)", at: .now, by: author, now: .now)
        return switch status {
        case 64: .invalidInput("the deploy command refused the release: \(reason)")
        case 126: .refused("the deploy command could not be run (is it executable?): \(reason)")
        case 127: .missingFile("the deploy command was not found: \(reason)")
        default: .unavailable("the deploy command failed (exit \(status)): \(reason)")
        }
    }

    /// The outcome of a deploy that ended without a `done` event after it had begun changing replicas.
    static var unfinished: String { "unfinished" }
}

/// What a game day knows of one bad deploy as it goes.
struct DeployFollower {
    let detectBy: Timestamp
    let recoverWithin: Double
    var exposure = Exposure()
    /// Whether the deploy began (its `started` event): from then on, it may have changed replicas.
    var started = false
    /// Whether the deploy said it stops and rolls back: Ctrl-C must not cut that rollback short.
    var stopping = false
    /// Why the deploy stopped, when it was not a verdict on the release (the lab failed, no data).
    var stopReason: String?
    /// When the rollback under way must have ended.
    var recoverBy: Timestamp?
    /// The release folder to go back to: what replica-1 ran before.
    var before = "initial"
    /// How the deploy ended: `succeeded`, `rolled-back`, `failed`; nil while it runs.
    var outcome: String?
    var deployId: Int64?
    /// `canary` or `rollout`, when the deploy stopped itself.
    var stoppedBy: String?
    /// How the game day's rollback ended, and why it failed.
    var rolledBack: String?
    var rollbackFailed: String?
    var recoveredAt: Timestamp?
    var interrupted = false

    init(step: Scenario.Step, injectedAt: Timestamp) {
        detectBy = injectedAt.adding(seconds: step.detectWithin)
        recoverWithin = step.recoverWithin
    }

    /// Whether the failure has ended, or cannot be ended by the game day any more.
    var isDone: Bool {
        (outcome != nil && outcome != "succeeded" && outcome != GameDayRunner.unfinished) || recoveredAt != nil
            || rollbackFailed != nil
    }

    /// The incident's fix.
    var fix: String {
        switch stoppedBy {
        case Detection.canary?: "the canary's analysis rolled the release back"
        case Detection.rollout?: "the rollout's readiness gate rolled the release back"
        default: "the game day rolled the release back"
        }
    }

    /// The scorecard's note: who stopped the release, and what users saw of it.
    func note(exposure: String, strategy: Scenario.ReleaseDeploy.Strategy) -> String {
        let seen = exposure == "none" ? "before users saw it" : "after it served \(exposure)"
        let stopped =
            switch stoppedBy {
            case Detection.canary?: "the canary stopped it \(seen)"
            case Detection.rollout?: "the rollout's readiness gate stopped it \(seen)"
            default:
                outcome == "succeeded"
                    ? "the \(strategy.rawValue) deploy let it through: it served \(exposure) until the rollback"
                    : "the deploy ended \(outcome ?? "unfinished") \(seen)"
                        + (stopReason.map { " (\($0))" } ?? "")
            }
        return stopped + (rollbackFailed.map { "; the rollback failed: \($0)" } ?? "")
    }
}
