import FaultCatalog
import Foundation

/// A Chaos Toolkit run journal (`chaos run --journal-path …`) read as the injected incident it records:
///
/// - started at the start of the method's first action (the injection), or at the app's own
///   `activated_at` when that action's answer carries it;
/// - detected via probe at the end of the first steady-state probe whose tolerance was not met (none when
///   the hypothesis held);
/// - mitigated at the end of the last rollback, resolved at the journal's end, with the cause
///   "chaos experiment: TITLE";
/// - its fault the canonical form of the app fault the action posted, or the action's name as a fault the
///   app does not know.
///
/// Chaos Toolkit's HTTP provider does not fail on a 4xx or 5xx answer, so a run whose injection the app
/// refused still ends "completed": such a journal is refused, naming the action and its status, rather
/// than recorded as a clean injected incident.
public struct ChaosToolkitJournal {
    let file: String
    let journal: [String: Any]

    /// Reads the journal in `data`; `file` names it in messages.
    public init(data: Data, file: String) throws {
        guard let journal = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw IncidentError.malformed(
                "\(file) is not a JSON object; give the file `chaos run --journal-path` wrote")
        }
        guard journal["experiment"] is [String: Any], journal["run"] is [Any], journal["start"] is String else {
            throw IncidentError.malformed(
                "\(file) is not a Chaos Toolkit journal: it lacks experiment, run or start")
        }
        self.file = file
        self.journal = journal
    }

    private func problem(_ text: String) -> IncidentError {
        .malformed("\(file): \(text)")
    }

    private func time(_ value: Any?, _ what: String) throws -> Timestamp {
        guard let text = value as? String, let time = Timestamp(rfc3339: text) else {
            throw problem("\(what) is not a time: \(value.map { "\($0)" } ?? "missing")")
        }
        return time
    }

    private var experiment: [String: Any] { journal["experiment"] as? [String: Any] ?? [:] }

    /// The experiment's title.
    public var title: String { (experiment["title"] as? String) ?? "untitled experiment" }

    /// The key that makes a second import of the same run find the first.
    public var source: String { "chaostoolkit:\(title)@\(journal["start"] as? String ?? "")" }

    /// The incident the journal records, for `service`, its timeline written by `author`.
    public func incident(service: String, author: String, now: Timestamp) throws -> IncidentDetail {
        let runs = (journal["run"] as? [[String: Any]]) ?? []
        guard let action = runs.first(where: { ($0["activity"] as? [String: Any])?["type"] as? String == "action" }),
            let activity = action["activity"] as? [String: Any]
        else {
            throw problem("its method ran no action, so nothing was injected (status \(journal["status"] ?? "?"))")
        }
        let name = (activity["name"] as? String) ?? "unnamed action"
        let output = action["output"] as? [String: Any]
        if let status = output?["status"] as? Int, status >= 400 {
            throw problem(
                "the injection action '\(name)' got HTTP \(status): the fault was not injected, so this run is not "
                    + "an injected incident (check the token and the URL it used)")
        }
        if action["status"] as? String == "failed" {
            throw problem("the injection action '\(name)' failed: the fault was not injected")
        }
        let answer = Self.object(output?["body"])
        let started =
            try (answer?["activated_at"]).map { try time($0, "the app's activated_at") }
            ?? time(action["start"], "the action's start")
        var incident = Incident(
            title: "Chaos experiment: \(title)", service: service, kind: .injected,
            fault: try fault(of: activity, named: name), startedAt: started)
        var timeline: [(Timestamp, TimelineEventKind, String)] = [(started, .opened, "")]
        if let probe = try firstFailedProbe() {
            incident.detectedAt = probe.end
            incident.detection = "probe"
            timeline.append((probe.end, .detected, "detected via probe: steady-state probe '\(probe.name)' not met"))
        }
        if let rollback = ((journal["rollbacks"] as? [[String: Any]]) ?? []).last {
            let end = try time(rollback["end"], "the last rollback's end")
            incident.mitigatedAt = end
            timeline.append((end, .mitigated, "mitigated: rollback '\(Self.name(of: rollback))' ended"))
        }
        let end = try time(journal["end"], "the journal's end")
        incident.resolvedAt = end
        incident.cause = "chaos experiment: \(title)"
        incident.causeCategory = "gameday"
        timeline.append((end, .resolved, "resolved; cause: chaos experiment: \(title) [gameday]"))
        timeline.append(
            (
                end, .note,
                "Chaos Toolkit journal \(file): status \(journal["status"] as? String ?? "?"), deviated "
                    + "\(journal["deviated"] as? Bool ?? false)"
            ))
        timeline[0].2 = IncidentRules.openingText(of: incident)
        return IncidentDetail(
            incident: incident,
            timeline: timeline.map {
                TimelineEvent(incidentId: 0, at: $0.0, kind: $0.1, text: $0.2, author: author, recordedAt: now)
            },
            actions: [], sources: [source])
    }

    /// The canonical app fault the action posted, or the action's name as a fault the app does not know.
    private func fault(of activity: [String: Any], named name: String) throws -> String {
        let provider = activity["provider"] as? [String: Any]
        if let body = Self.object(provider?["arguments"]),
            let data = try? JSONSerialization.data(withJSONObject: body), let spec = try? FaultSpec(json: data)
        {
            return spec.text
        }
        return try IncidentFault.other("Chaos Toolkit action \(name)")
    }

    /// The first steady-state probe, after the method or during it, whose tolerance was not met.
    private func firstFailedProbe() throws -> (name: String, end: Timestamp)? {
        let states = journal["steady_states"] as? [String: Any]
        let during = (states?["during"] as? [[String: Any]]) ?? []
        let after = (states?["after"] as? [String: Any]).map { [$0] } ?? []
        var failed: [(name: String, end: Timestamp)] = []
        for state in during + after {
            for probe in (state["probes"] as? [[String: Any]]) ?? [] where probe["tolerance_met"] as? Bool == false {
                failed.append((Self.name(of: probe), try time(probe["end"], "a probe's end")))
            }
        }
        return failed.min { $0.end < $1.end }
    }

    private static func name(of run: [String: Any]) -> String {
        ((run["activity"] as? [String: Any])?["name"] as? String) ?? "unnamed"
    }

    /// A JSON object held as an object or as its text.
    private static func object(_ value: Any?) -> [String: Any]? {
        if let object = value as? [String: Any] { return object }
        guard let text = value as? String else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }
}
