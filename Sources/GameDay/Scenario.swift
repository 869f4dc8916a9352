import Conventions
import FaultCatalog
import Foundation
import IncidentKit
import StrictYAML

/// A game day: the faults to inject one after the other, how long to hold each, and how soon each must be
/// detected and recovered from. Read from YAML or JSON:
///
/// ```yaml
/// name: every fault once
/// service: app                 # optional, default app
/// defaults: {hold: 20s, detect_within: 30s, recover_within: 30s, category: gameday}
/// steps:
///   - name: errors everywhere
///     fault: error status=500   # the text form, or the JSON body as a mapping
///     hold: 15s
///     replicas: 1               # optional: the first replica only, or all (the default)
///     cause: "…"                # optional, like category and prevent
///   - name: a release that crash-loops, as a canary
///     deploy: crash-loop        # a bad release, rolled out by the deploy command (scripts/deploy.sh)
///     strategy: canary          # or rolling (the default)
///     deploy_options: --canary-share 0.05 --ready-timeout 10
/// ```
public struct Scenario: Sendable {
    /// How a step breaks the target: a fault injected, or a bad release deployed.
    public enum Breakage: Sendable {
        case fault(FaultSpec)
        case deploy(ReleaseDeploy)
    }

    /// A bad release a step deploys, with the deploy command (`scripts/deploy.sh` in the lab): the failure
    /// lasts until the deploy rolls it back by itself (a canary's analysis, a rollout's readiness gate), or
    /// until the game day rolls it back once it is detected or `detect_within` has passed.
    public struct ReleaseDeploy: Sendable, Equatable {
        public enum Strategy: String, Sendable {
            case rolling, canary
        }

        /// The release as the deploy command takes it: `examples/releases/NAME.env`, or NAME.
        public var release: String
        public var strategy: Strategy
        /// More options for the deploy command (`--canary-share 0.05`), split at white space.
        public var options: [String]

        /// The canonical fault text of the injected incident: `deploy: crash-loop (canary)`.
        public var text: String { "deploy: \(release) (\(strategy.rawValue))" }
    }

    /// One fault or bad deploy of the game day.
    public struct Step: Sendable {
        public var name: String
        public var breakage: Breakage
        /// How long the fault stays in force before the game day clears it (fault steps only).
        public var hold: Double
        /// How long after the injection a detection still counts; later, the failure stays undetected.
        public var detectWithin: Double
        /// How long after clearing the fault the target may take to be healthy again.
        public var recoverWithin: Double
        public var cause: String?
        public var category: String?
        public var prevent: [String]
        public var severity: Severity
        /// Which of the game day's replicas the fault is injected into.
        public var replicas: ReplicaScope

        /// The fault a fault step injects; nil for a deploy.
        public var fault: FaultSpec? {
            if case .fault(let fault) = breakage { return fault }
            return nil
        }

        /// What the step does, as the incident's fault records it: the fault's text, or `deploy: RELEASE (…)`.
        public var text: String {
            switch breakage {
            case .fault(let fault): fault.text
            case .deploy(let deploy): deploy.text
            }
        }
    }

    /// The replicas a step breaks: the first one only, or every one the game day was given.
    public enum ReplicaScope: String, Sendable {
        case one = "1"
        case all
    }

    public var name: String
    public var service: String
    public var steps: [Step]

    /// The longest a step may hold, wait for a detection or for recovery.
    public static let longest = 3600.0
    /// The shortest: less than a probe round can measure nothing.
    public static let shortest = 0.1

    /// Reads the scenario in `file`; every problem is an ``IncidentError/malformed(_:)`` naming the file,
    /// the line and the key.
    public static func read(file: String) throws -> Scenario {
        try readStrictly(file, as: "scenario", parse)
    }

    /// Reads `file` (YAML, or strict JSON when it ends in `.json`) with `parse`: an unreadable file is
    /// ``IncidentError/missingFile(_:)``, every problem ``IncidentError/malformed(_:)`` naming the `kind` of
    /// file, the file, the line and the key.
    static func readStrictly<T>(_ file: String, as kind: String, _ parse: (YAMLObject) throws -> T) throws -> T {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw IncidentError.missingFile("cannot read the \(kind) \(file): \(plainReason(error, path: file))")
        }
        // YAML reads JSON too, but more leniently than JSON parsers do: a .json file must be strict JSON.
        if file.lowercased().hasSuffix(".json"), let line = trailingCommaLine(in: text) {
            throw IncidentError.malformed(
                "the \(kind) \(file):\(line): a trailing comma before a closing bracket is not JSON")
        }
        do {
            return try parse(YAMLObject(text: text, file: file))
        } catch let problem as YAMLProblem {
            throw IncidentError.malformed("the \(kind) \(problem)")
        }
    }

    /// The line of the first comma followed only by white space before `]` or `}`, outside strings.
    static func trailingCommaLine(in text: String) -> Int? {
        var line = 1
        var inString = false
        var escaped = false
        var comma: Int?
        for character in text {
            if inString {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inString = false
                }
                continue
            }
            switch character {
            case "\n": line += 1
            case " ", "\t", "\r": break
            case ",": comma = line
            case "]", "}": if let comma { return comma }
            case "\"":
                inString = true
                comma = nil
            default: comma = nil
            }
        }
        return nil
    }

    static func parse(_ root: YAMLObject) throws -> Scenario {
        try root.refuseUnknownKeys(["name", "service", "defaults", "steps"])
        let defaults = try root.object("defaults")
        try defaults?.refuseUnknownKeys([
            "hold", "detect_within", "recover_within", "category", "severity", "replicas", "strategy",
            "deploy_options",
        ])
        let service = try root.string("service") ?? "app"
        do {
            _ = try Validate.service(service)
        } catch {
            throw root.problem("service", "\(error)")
        }
        let steps = try root.objects("steps")
        guard !steps.isEmpty else { throw root.problem("steps", "is required: a list of at least one step") }
        return Scenario(
            name: try root.string("name") ?? "game day", service: service,
            steps: try steps.enumerated().map { index, step in try parseStep(step, index: index, defaults: defaults) })
    }

    /// One step; `ownKeys` are more keys the caller reads itself (a chaos pool's `weight` and `hold` range),
    /// which this neither refuses nor reads.
    static func parseStep(_ step: YAMLObject, index: Int, defaults: YAMLObject?, ownKeys: Set<String> = []) throws
        -> Step
    {
        try step.refuseUnknownKeys(
            Set([
                "name", "fault", "deploy", "strategy", "deploy_options", "hold", "detect_within", "recover_within",
                "cause", "category", "prevent", "severity", "replicas",
            ]).union(ownKeys))
        func duration(_ key: String, default fallback: Double) throws -> Double {
            guard !ownKeys.contains(key) else { return fallback }
            let source = step.keys.contains(key) ? step : defaults?.keys.contains(key) == true ? defaults! : nil
            guard let source, let text = try source.string(key) else { return fallback }
            do {
                return try DurationInput.seconds(text, option: key, in: shortest...longest)
            } catch {
                throw source.problem(key, "\(error)")
            }
        }
        let breakage = try parseBreakage(step, defaults: defaults)
        let severityText = try step.string("severity") ?? defaults?.string("severity") ?? "sev3"
        guard let severity = Severity(rawValue: severityText.lowercased()) else {
            throw step.problem("severity", "must be sev1, sev2, sev3 or sev4")
        }
        let replicasSource = step.keys.contains("replicas") ? step : defaults ?? step
        let replicasText = try replicasSource.string("replicas") ?? "all"
        guard let replicas = ReplicaScope(rawValue: replicasText.lowercased()) else {
            throw replicasSource.problem("replicas", "must be 1 (the first replica) or all, not '\(replicasText)'")
        }
        let kind =
            switch breakage {
            case .fault(let fault): fault.action.type.rawValue
            case .deploy(let deploy): "deploy \(deploy.release)"
            }
        return Step(
            name: try step.string("name") ?? "step \(index + 1): \(kind)", breakage: breakage,
            hold: try duration("hold", default: 20), detectWithin: try duration("detect_within", default: 30),
            recoverWithin: try duration("recover_within", default: 30), cause: try step.string("cause"),
            category: try step.string("category") ?? defaults?.string("category"), prevent: try step.strings("prevent"),
            severity: severity, replicas: replicas)
    }

    /// The step's fault, or its deploy: one of the two, each with only the keys that apply to it.
    static func parseBreakage(_ step: YAMLObject, defaults: YAMLObject?) throws -> Breakage {
        guard step.keys.contains("deploy") else {
            for key in ["strategy", "deploy_options"] where step.keys.contains(key) {
                throw step.problem(key, "applies to a deploy step only (deploy: RELEASE)")
            }
            do {
                if let object = step.plain("fault") as? [String: Any] {
                    return .fault(try FaultSpec(json: try JSONSerialization.data(withJSONObject: object)))
                }
                return .fault(try FaultSpec(text: try step.requiredString("fault")))
            } catch let error as FaultRequestError {
                throw step.problem("fault", error.description)
            }
        }
        for key in ["fault", "hold", "replicas"] where step.keys.contains(key) {
            throw step.problem(
                key,
                key == "fault"
                    ? "a step has a fault or a deploy, not both"
                    : "does not apply to a deploy step: the deploy rolls out to every replica, and the release "
                        + "stays until it is rolled back")
        }
        let release = try step.requiredString("deploy").trimmingCharacters(in: .whitespaces)
        guard !release.isEmpty, !release.hasPrefix("-"), release.count <= 500,
            !release.contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 32 } == true })
        else {
            throw step.problem("deploy", "must name a release: examples/releases/NAME.env, or NAME")
        }
        let strategySource = step.keys.contains("strategy") ? step : defaults ?? step
        let strategyText = try strategySource.string("strategy") ?? "rolling"
        guard let strategy = ReleaseDeploy.Strategy(rawValue: strategyText.lowercased()) else {
            throw strategySource.problem("strategy", "must be rolling or canary, not '\(strategyText)'")
        }
        let optionsSource = step.keys.contains("deploy_options") ? step : defaults ?? step
        let options = (try optionsSource.string("deploy_options") ?? "").split(whereSeparator: \.isWhitespace)
            .map(String.init)
        for reserved in ["--strategy", "--json", "--no-record"]
        where options.contains(where: { $0.hasPrefix(reserved) }) {
            throw optionsSource.problem(
                "deploy_options", "cannot hold \(reserved): the game day gives it (strategy: sets one)")
        }
        return .deploy(ReleaseDeploy(release: release, strategy: strategy, options: options))
    }
}
