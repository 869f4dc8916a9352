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
                    throw try await refused(deploy, incident: id)
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
                if follower.isDone { break }
                if follower.outcome == "succeeded", rollback == nil,
                    result.detectedAt != nil || Timestamp.now > follower.detectBy || stop.isStopped
                {
                    progress("\(label): rolling \(plan.release) back to \(follower.before)")
                    rollback = try DeployRun(
                        command: deployCommand, arguments: [follower.before, "--strategy", "rolling", "--json"])
                }
                if stop.isStopped && follower.outcome == nil && !follower.interrupted {
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
            if rollback == nil, follower.outcome == "succeeded" {
                rollback = try? DeployRun(
                    command: deployCommand, arguments: [follower.before, "--strategy", "rolling", "--json"])
            }
            await rollback?.process.waitUntilExit()
            throw error
        }
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
        return try await finish(step, result, fix: follower.fix, ended: "the release was rolled back") { _ in
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
            follower.before = event.before?.first ?? follower.before
        case "stopping" where !rollingBack:
            follower.stoppedBy = event.by == Detection.canary ? Detection.canary : Detection.rollout
            if result.detectedAt == nil, event.at <= follower.detectBy,
                try await store.detail(result.incident!).incident.detectedAt == nil
            {
                try await detect(result.incident!, at: event.at, via: follower.stoppedBy!, &result)
                progress("\(label): detected by the \(follower.stoppedBy!): \(event.reason ?? "")")
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

    /// The error for a deploy command that ended without a result: it refused the release or could not reach
    /// the lab. Nothing was deployed, so the incident is cancelled.
    private func refused(_ deploy: DeployRun, incident id: Int64) async throws -> IncidentError {
        let status = deploy.process.terminationStatus
        let reason = deploy.errors.isEmpty ? "it exited with status \(status)" : deploy.errors
        _ = try await store.cancel(id, reason: "the deploy did not run: \(reason)", at: .now, by: author, now: .now)
        let message = "the deploy command refused the release: \(reason)"
        return status == 64 ? .invalidInput(message) : .unavailable(message)
    }
}

/// What a game day knows of one bad deploy as it goes.
struct DeployFollower {
    let detectBy: Timestamp
    var exposure = Exposure()
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
    }

    /// Whether the failure has ended, or cannot be ended by the game day any more.
    var isDone: Bool {
        (outcome != nil && outcome != "succeeded") || recoveredAt != nil || rollbackFailed != nil
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
            }
        return stopped + (rollbackFailed.map { "; the rollback failed: \($0)" } ?? "")
    }
}
