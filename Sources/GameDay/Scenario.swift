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
/// ```
public struct Scenario: Sendable {
    /// One fault of the game day.
    public struct Step: Sendable {
        public var name: String
        public var fault: FaultSpec
        /// How long the fault stays in force before the game day clears it.
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
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw IncidentError.missingFile("cannot read the scenario \(file): \(plainReason(error, path: file))")
        }
        // YAML reads JSON too, but more leniently than JSON parsers do: a .json file must be strict JSON.
        if file.lowercased().hasSuffix(".json"), let line = trailingCommaLine(in: text) {
            throw IncidentError.malformed(
                "the scenario \(file):\(line): a trailing comma before a closing bracket is not JSON")
        }
        do {
            return try parse(YAMLObject(text: text, file: file))
        } catch let problem as YAMLProblem {
            throw IncidentError.malformed("the scenario \(problem)")
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
            "hold", "detect_within", "recover_within", "category", "severity", "replicas",
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

    static func parseStep(_ step: YAMLObject, index: Int, defaults: YAMLObject?) throws -> Step {
        try step.refuseUnknownKeys([
            "name", "fault", "hold", "detect_within", "recover_within", "cause", "category", "prevent", "severity",
            "replicas",
        ])
        func duration(_ key: String, default fallback: Double) throws -> Double {
            let source = step.keys.contains(key) ? step : defaults?.keys.contains(key) == true ? defaults! : nil
            guard let source, let text = try source.string(key) else { return fallback }
            do {
                return try DurationInput.seconds(text, option: key, in: shortest...longest)
            } catch {
                throw source.problem(key, "\(error)")
            }
        }
        let fault: FaultSpec
        do {
            if let object = step.plain("fault") as? [String: Any] {
                fault = try FaultSpec(json: try JSONSerialization.data(withJSONObject: object))
            } else {
                fault = try FaultSpec(text: try step.requiredString("fault"))
            }
        } catch let error as FaultRequestError {
            throw step.problem("fault", error.description)
        }
        let severityText = try step.string("severity") ?? defaults?.string("severity") ?? "sev3"
        guard let severity = Severity(rawValue: severityText.lowercased()) else {
            throw step.problem("severity", "must be sev1, sev2, sev3 or sev4")
        }
        let replicasSource = step.keys.contains("replicas") ? step : defaults ?? step
        let replicasText = try replicasSource.string("replicas") ?? "all"
        guard let replicas = ReplicaScope(rawValue: replicasText.lowercased()) else {
            throw replicasSource.problem("replicas", "must be 1 (the first replica) or all, not '\(replicasText)'")
        }
        return Step(
            name: try step.string("name") ?? "step \(index + 1): \(fault.action.type.rawValue)", fault: fault,
            hold: try duration("hold", default: 20), detectWithin: try duration("detect_within", default: 30),
            recoverWithin: try duration("recover_within", default: 30), cause: try step.string("cause"),
            category: try step.string("category") ?? defaults?.string("category"), prevent: try step.strings("prevent"),
            severity: severity, replicas: replicas)
    }
}
