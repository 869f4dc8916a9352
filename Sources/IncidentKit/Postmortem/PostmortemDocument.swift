import Foundation
import Mustache

/// A markdown postmortem of one incident, after the Google SRE structure, rendered from a Mustache template.
///
/// Every value handed to a template is already escaped for markdown, so templates use triple mustaches
/// (`{{{title}}}`); missing narrative parts render as visible TODO placeholders and are listed in ``missing``.
/// The decision records linked to the incident get a section of their own; without any it is left out.
/// The deploy that caused it, when one is recorded, is named beside the root cause.
public struct PostmortemDocument: Sendable {
    public let detail: IncidentDetail
    /// The decision records linked to the incident, listed in their own section when there are any.
    public let decisions: [DecisionRecord]
    /// The deploy the incident names as its cause (``Incident/causedBy``).
    public let deploy: Deploy?

    public init(_ detail: IncidentDetail, decisions: [DecisionRecord] = [], deploy: Deploy? = nil) {
        self.detail = detail
        self.decisions = decisions
        self.deploy = deploy
    }

    /// What the postmortem still lacks, in reading order; empty when it is complete.
    public var missing: [String] {
        let incident = detail.incident
        var missing: [String] = []
        if incident.resolvedAt == nil && !incident.cancelled {
            missing.append("resolution (the incident is not resolved)")
        }
        if incident.detectedAt != nil && incident.detection == nil { missing.append("detection method") }
        for (name, value) in [
            ("summary", incident.summary), ("impact", incident.impact), ("root cause", incident.cause),
            ("trigger", incident.trigger), ("fix", incident.fix), ("lessons", incident.lessons),
        ]
        where value == nil {
            missing.append(name)
        }
        if detail.actions.isEmpty { missing.append("action items") }
        return missing
    }

    /// Renders with `template`, or with ``builtInTemplate``.
    public func render(template: String? = nil) throws -> String {
        let parsed: MustacheTemplate
        do {
            parsed = try MustacheTemplate(string: template ?? Self.builtInTemplate)
        } catch let error as MustacheTemplate.ParserError {
            let place = error.context
            throw IncidentError.invalidInput(
                "the template is not valid Mustache: line \(place.lineNumber), column \(place.columnNumber): "
                    + "\(Self.describe(error.error)) in “\(place.line.trimmingCharacters(in: .whitespaces))”")
        } catch {
            throw IncidentError.invalidInput("the template is not valid Mustache: \(Self.describe(error))")
        }
        return parsed.render(context)
    }

    /// What a Mustache parser error means, in words.
    private static func describe(_ error: any Error) -> String {
        switch error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect: "a section is closed with another name than it was opened with"
        case .unfinishedName: "a tag is not closed with }}"
        case .expectedSectionEnd: "a section is opened and never closed"
        case .invalidSetDelimiter: "a set-delimiter tag is malformed"
        case .transformAppliedToInheritanceSection: "a transform is applied to an inherited section"
        case .illegalTokenInsideInheritSection, .textInsideInheritSection: "an inherited section holds text or tags"
        case .invalidConfigVariableSyntax, .unrecognisedConfigVariable: "a configuration tag is malformed"
        // The parser's own error type is internal: its one case, overflow, is reading past the end.
        case nil: "\(error)" == "overflow" ? "the template ends inside a tag" : "\(error)"
        }
    }

    /// Every field a template can use.
    public var context: [String: Any] {
        let incident = detail.incident
        let durations = incident.durations
        func text(_ value: String?, todo: String) -> String {
            value.map(Markdown.escapeBlock) ?? "**TODO:** \(todo)"
        }
        func time(_ value: Timestamp?) -> String { value?.description ?? "-" }
        let id = incident.id ?? 0
        let authors = Array(Set(detail.timeline.map(\.author))).sorted()
        var detection: String
        if let method = incident.detection, let detected = incident.detectedAt {
            detection =
                "Detected by \(Markdown.escape(method)) at \(detected), \(DurationText.human(durations.ttd)) "
                + "after the failure started."
        } else if let detected = incident.detectedAt {
            detection = "Detected at \(detected). **TODO:** how (`incident edit \(id) --detection …`)."
        } else {
            detection = "**Never detected**: nobody and nothing noticed this failure."
        }
        if incident.kind == .injected {
            detection +=
                " The failure was injected on purpose"
                + (incident.fault.map { " (fault: \(Markdown.escape($0)))" } ?? "")
                + ", so the time to detect is exact."
        }
        var context: [String: Any] = [
            "id": id,
            "title": Markdown.escape(incident.title),
            "status": incident.status.rawValue,
            "date": incident.startedAt.utcDay,
            "severity": incident.severity.rawValue,
            "service": Markdown.escape(incident.service),
            "kind": incident.kind.rawValue,
            "injected": incident.kind == .injected,
            "fault": incident.fault.map(Markdown.escape) ?? "",
            "authors": authors.isEmpty ? "-" : authors.map(Markdown.escape).joined(separator: ", "),
            "started_at": time(incident.startedAt),
            "detected_at": time(incident.detectedAt),
            "acknowledged_at": time(incident.acknowledgedAt),
            "mitigated_at": time(incident.mitigatedAt),
            "resolved_at": time(incident.resolvedAt),
            "ttd": DurationText.human(durations.ttd),
            "tta": DurationText.human(durations.tta),
            "ttr": DurationText.human(durations.ttr),
            "ttc": DurationText.human(durations.ttc),
            "detection": detection,
            "summary": text(
                incident.summary, todo: "what happened, in a few sentences (`incident edit \(id) --summary …`)"),
            "impact": text(
                incident.impact, todo: "who and what was affected, and how much (`incident edit \(id) --impact …`)"),
            "cause": text(incident.cause, todo: "the root cause (`incident resolve \(id) --cause …`)"),
            "trigger": text(incident.trigger, todo: "what set it off (`incident edit \(id) --trigger …`)"),
            "fix": text(incident.fix, todo: "what ended it (`incident edit \(id) --fix …`)"),
            "lessons": text(
                incident.lessons,
                todo: "what went well, what went wrong, where we got lucky "
                    + "(`incident edit \(id) --lessons …`)"),
            "cancelled": incident.cancelled,
            "cancel_reason": incident.cancelReason.map(Markdown.escape) ?? "",
            "has_actions": !detail.actions.isEmpty,
            "actions": detail.actions.map { action -> [String: Any] in
                [
                    "id": action.id ?? 0, "title": Markdown.escape(action.title), "kind": action.kind.rawValue,
                    "owner": action.owner.map(Markdown.escape) ?? "-", "due": action.due ?? "-",
                    "status": action.status.rawValue, "link": action.url.map(Markdown.escape) ?? "-",
                ]
            },
            "timeline": detail.timeline.map { event -> [String: Any] in
                [
                    "at": event.at.description, "kind": event.kind.rawValue, "author": Markdown.escape(event.author),
                    "text": Markdown.escape(event.text),
                ]
            },
            "has_decisions": !decisions.isEmpty,
            "decisions": decisions.map { decision -> [String: Any] in
                [
                    "id": decision.id ?? 0, "title": Markdown.escape(decision.title),
                    "chosen": Markdown.escape(decision.choice.name), "status": decision.status.rawValue,
                    "revisit": decision.revisit ?? "-",
                ]
            },
            "missing": missing.map { ["name": $0] },
            "complete": missing.isEmpty,
            "mermaid": phaseChart,
        ]
        // Absent, not empty, so that `{{#cause_category}}…{{/cause_category}}` renders nothing without one.
        context["cause_category"] = incident.causeCategory.map(Markdown.escape)
        context["caused_by"] = deploy.map { deploy in
            let gap = deploy.deployedAt.seconds(until: incident.startedAt)
            let commit = deploy.commitSha.map { ", commit \($0.prefix(12))" } ?? ""
            return "deploy #\(deploy.id ?? 0) of \(Markdown.escape(deploy.service)), version "
                + "\(Markdown.escape(deploy.version))\(commit) (\(deploy.result.rawValue)), finished at \(deploy.deployedAt), "
                + (gap >= 0
                    ? "\(DurationText.human(gap)) before the failure started"
                    : "\(DurationText.human(-gap)) after the failure started")
        }
        return context
    }

    /// A Mermaid gantt chart of the phases: undetected, waiting for a responder, recovering, closing.
    var phaseChart: String {
        let incident = detail.incident
        let recovered = incident.mitigatedAt ?? incident.resolvedAt
        let phases: [(String, Timestamp?, Timestamp?)] = [
            ("Undetected (TTD)", incident.startedAt, incident.detectedAt ?? recovered),
            ("Waiting for a responder (TTA)", incident.detectedAt, incident.acknowledgedAt),
            ("Recovering", incident.acknowledgedAt ?? incident.detectedAt, recovered),
            ("Closing", recovered, incident.resolvedAt),
        ]
        func point(_ time: Timestamp) -> String {
            time.description.replacingOccurrences(of: "T", with: " ").prefix(19).description
        }
        let tasks = phases.compactMap { name, start, end -> String? in
            guard let start, let end, start < end else { return nil }
            return "    \(name) : \(point(start)), \(point(end))"
        }
        return
            ([
                "```mermaid", "gantt", "    title Incident \(incident.id ?? 0) phases (UTC)",
                "    dateFormat YYYY-MM-DD HH:mm:ss", "    axisFormat %H:%M", "    section Phases",
            ]
            + tasks + ["```"]).joined(separator: "\n")
    }

    /// The built-in template; `incident postmortem --print-template` prints it as a start for your own.
    public static let builtInTemplate = """
        # Postmortem: {{{title}}}

        | | |
        | --- | --- |
        | Incident | \\#{{id}} |
        | Status | {{status}} |
        | Date | {{date}} |
        | Severity | {{severity}} |
        | Service | {{{service}}} |
        | Kind | {{kind}} |
        | Authors | {{{authors}}} |
        {{#cancelled}}

        Cancelled as a false alarm: {{{cancel_reason}}}
        {{/cancelled}}

        ## Summary

        {{{summary}}}

        ## Impact

        {{{impact}}}

        ## Timing

        | phase | time (UTC) | duration |
        | --- | --- | --- |
        | started | {{started_at}} | |
        | detected | {{detected_at}} | TTD {{ttd}} |
        | acknowledged | {{acknowledged_at}} | TTA {{tta}} |
        | mitigated | {{mitigated_at}} | TTR {{ttr}} |
        | resolved | {{resolved_at}} | TTC {{ttc}} |

        ## Detection

        {{{detection}}}

        ## Root cause and trigger

        **Root cause:** {{{cause}}}{{#cause_category}} (category: {{{cause_category}}}){{/cause_category}}

        **Trigger:** {{{trigger}}}
        {{#caused_by}}

        **Caused by:** {{{caused_by}}}.
        {{/caused_by}}

        ## Resolution

        {{{fix}}}

        ## Action items

        {{#has_actions}}
        | # | action | kind | owner | due | status | link |
        | --- | --- | --- | --- | --- | --- | --- |
        {{#actions}}
        | {{id}} | {{{title}}} | {{kind}} | {{{owner}}} | {{due}} | {{status}} | {{{link}}} |
        {{/actions}}
        {{/has_actions}}
        {{^has_actions}}
        **TODO:** no action items yet (`incident action add {{id}} "…" --kind prevent`).
        {{/has_actions}}
        {{#has_decisions}}

        ## Decisions

        | ADR | decision | chosen | status | revisit |
        | --- | --- | --- | --- | --- |
        {{#decisions}}
        | {{id}} | {{{title}}} | {{{chosen}}} | {{status}} | {{revisit}} |
        {{/decisions}}
        {{/has_decisions}}

        ## Lessons learned

        {{{lessons}}}

        ## Timeline

        | time (UTC) | event | by | what |
        | --- | --- | --- | --- |
        {{#timeline}}
        | {{at}} | {{kind}} | {{{author}}} | {{{text}}} |
        {{/timeline}}

        ## Phases

        {{{mermaid}}}

        """
}
