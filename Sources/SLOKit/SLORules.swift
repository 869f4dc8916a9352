import Foundation

/// The Prometheus rules of a set of SLOs: for each, recording rules of its error ratio over every window the
/// burn-rate alerts read, then a page (`…Fast`) and a ticket (`…Slow`) per objective, after the SRE
/// workbook's table (``BurnRateAlert/workbook``), with the durations of `profile`.
public struct SLORules: Sendable {
    public var slos: [SLO]
    public var profile: RuleProfile
    /// `runbook_url` of an alert is this followed by `ALERTNAME.md`.
    public var runbookBase: String
    /// The command that made the rules, written in the header.
    public var command: String

    public init(slos: [SLO], profile: RuleProfile, runbookBase: String = "docs/runbooks/", command: String) {
        self.slos = slos
        self.profile = profile
        self.runbookBase = runbookBase
        self.command = command
    }

    /// The name of the error-ratio series over a production window, in this profile: `slo:sli_error:ratio_rate5m`.
    public func ratioName(_ window: Int) -> String {
        "slo:sli_error:ratio_rate\(profile.duration(window))"
    }

    /// The error ratio above which `condition` holds for `objective`: burn × (1 − target), exact.
    public static func threshold(_ condition: BurnRateAlert.Condition, _ objective: SLO.Objective) -> Decimal {
        condition.burn * objective.errorBudget
    }

    /// The rules, grouped by SLO: the recording rules of every window, then the alerts of every objective.
    public var groups: [PrometheusRuleGroup] {
        slos.map { slo in
            var rules: [PrometheusRule] = []
            var recorded: [[String]] = []
            for objective in slo.objectives {
                let labels = slo.seriesLabels(for: objective)
                guard !recorded.contains(labels.map { "\($0)=\($1)" }) else { continue }
                recorded.append(labels.map { "\($0)=\($1)" })
                for window in BurnRateAlert.windows {
                    let range = profile.duration(window)
                    rules.append(
                        PrometheusRule(
                            comment: "The error ratio of SLO \(slo.name)"
                                + "\(objective.threshold.map { " within \($0) s" } ?? "") "
                                + "over \(range): bad events / all events, 0 while none is bad or none counted.",
                            record: ratioName(window), expr: PromQL.errorRatio(slo.events(for: objective), range),
                            labels: [("service", slo.service)] + labels))
                }
            }
            for objective in slo.objectives {
                for alert in BurnRateAlert.workbook {
                    rules.append(self.alert(alert, slo, objective))
                }
            }
            return PrometheusRuleGroup(name: "slo-" + slo.name, rules: rules)
        }
    }

    /// The rule file, as promtool and Prometheus read it, with comments.
    public var text: String {
        var lines = header.flatMap { comment($0, indent: 0) }
        lines.append("groups:")
        for group in groups {
            lines += ["  - name: \(quoted(group.name))", "    rules:"]
            for rule in group.rules {
                lines += comment(rule.comment, indent: 6)
                lines.append(rule.alert.map { "      - alert: \($0)" } ?? "      - record: \(rule.record ?? "")")
                lines += block("expr", rule.expr, indent: 8)
                if let holdFor = rule.holdFor { lines.append("        for: \(holdFor)") }
                lines += mapping("labels", rule.labels, indent: 8)
                if !rule.annotations.isEmpty { lines += mapping("annotations", rule.annotations, indent: 8) }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The same rule file as JSON (which Prometheus reads as YAML too), without the comments: for programs,
    /// such as scripts/make_rules.py, that read the rules back.
    public var json: String {
        let file: [String: Any] = [
            "groups": groups.map { group in
                [
                    "name": group.name,
                    "rules": group.rules.map { rule in
                        var object: [String: Any] = [
                            "expr": rule.expr, "labels": Dictionary(uniqueKeysWithValues: rule.labels),
                        ]
                        object[rule.alert == nil ? "record" : "alert"] = rule.alert ?? rule.record
                        if let holdFor = rule.holdFor { object["for"] = holdFor }
                        if !rule.annotations.isEmpty {
                            object["annotations"] = Dictionary(uniqueKeysWithValues: rule.annotations)
                        }
                        return object
                    },
                ] as [String: Any]
            }
        ]
        let data =
            (try? JSONSerialization.data(
                withJSONObject: file, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private var header: [String] {
        let alerts = BurnRateAlert.workbook.map { alert in
            "\(alert.suffix), \(alert.severity): " + conditionsText(alert) + ", for \(profile.duration(alert.holdFor))"
        }
        return [
            "Recording rules and burn-rate alerts of the SLOs \(slos.map(\.name).joined(separator: ", ")), "
                + "\(profile.name) profile.",
            "GENERATED by `\(command)`: do not edit; change the SLO files and run it again.",
            profile == .production
                ? "Durations as the SRE workbook writes them."
                : "Every window and for: is the production one × 1/\(profile.scaleDivisor), never under "
                    + "\(profile.floorSeconds)s (ops/README.md, \"Profiles and the scale factor\").",
            "Multi-window, multi-burn-rate alerts (SRE workbook, \"Alerting on SLOs\", table 5-8); an alert fires "
                + "when the error ratio is above burn × error budget over both windows of a pair.",
        ] + alerts
    }

    private func conditionsText(_ alert: BurnRateAlert) -> String {
        alert.conditions.map { "\($0.burn)× over \(profile.duration($0.long)) and \(profile.duration($0.short))" }
            .joined(separator: " or ")
    }

    private func alert(_ alert: BurnRateAlert, _ slo: SLO, _ objective: SLO.Objective) -> PrometheusRule {
        let selector = PromQL.matchers(slo.seriesLabels(for: objective).map { "\($0)=\"\($1)\"" })
        let expr = alert.conditions.map { condition in
            let threshold = Self.threshold(condition, objective)
            return "(\n  \(ratioName(condition.long))\(selector) > \(threshold)\n  and\n"
                + "  \(ratioName(condition.short))\(selector) > \(threshold)\n)"
        }.joined(separator: "\nor\n")
        let name = slo.alertName + alert.suffix
        let spent = alert.conditions.map { condition in
            Self.percent(
                NSDecimalNumber(decimal: condition.burn).doubleValue * Double(condition.long) / Double(slo.window))
        }
        let what = slo.description.map { " (\($0.trimmingCharacters(in: .whitespacesAndNewlines)))" } ?? ""
        let description =
            "{{ $value | humanizePercentage }} of events were bad over the long window. SLO \(slo.name)\(what): "
            + "objective \(objective.label), error budget \(SLO.Objective.percent(objective.errorBudget)) of events "
            + "over \(WindowDuration.text(slo.window)). The budget burns at more than \(conditionsText(alert)), which "
            + "spends \(spent.joined(separator: " or ")) of it within the long window."
        var labels = [("objective", objective.label), ("service", slo.service), ("severity", alert.severity)]
        labels += slo.seriesLabels(for: objective)
        return PrometheusRule(
            comment: "\(alert.severity == "page" ? "Page" : "Ticket"): \(conditionsText(alert)).",
            alert: name, expr: expr, holdFor: profile.duration(alert.holdFor), labels: labels.sorted { $0.0 < $1.0 },
            annotations: [
                (
                    "summary",
                    "\(slo.service) is burning the error budget of SLO \(slo.name) "
                        + (alert.severity == "page" ? "fast" : "slowly")
                ),
                ("description", description),
                ("runbook_url", runbookBase + name + ".md"),
            ])
    }

    /// `2%`, `2.14%`: a share with up to three significant digits.
    static func percent(_ fraction: Double) -> String {
        String(format: "%.3g%%", fraction * 100)
    }

    /// `text` as comment lines of at most 110 characters, broken between words.
    private func comment(_ text: String, indent: Int) -> [String] {
        let prefix = String(repeating: " ", count: indent) + "#"
        var lines: [String] = []
        var line = prefix
        for word in text.split(separator: " ") {
            if line.count + 1 + word.count > 110 && line != prefix {
                lines.append(line)
                line = prefix
            }
            line += " " + word
        }
        return lines + [line]
    }

    private func block(_ key: String, _ text: String, indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        return ["\(pad)\(key): |-"] + text.split(separator: "\n").map { "\(pad)  \($0)" }
    }

    private func mapping(_ key: String, _ pairs: [(String, String)], indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        return ["\(pad)\(key):"] + pairs.map { "\(pad)  \($0): \(quoted($1))" }
    }

    /// A YAML double-quoted scalar (JSON's string syntax, which YAML reads the same).
    private func quoted(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}

/// A group of rules, evaluated together.
public struct PrometheusRuleGroup: Sendable {
    public var name: String
    public var rules: [PrometheusRule]
}

/// A recording rule (`record`) or an alerting rule (`alert`, with `for` and annotations), with the comment
/// the YAML form writes above it.
public struct PrometheusRule: Sendable {
    public var comment: String
    public var record: String?
    public var alert: String?
    public var expr: String
    public var holdFor: String?
    /// In the order written.
    public var labels: [(String, String)]
    public var annotations: [(String, String)] = []

    init(comment: String, record: String, expr: String, labels: [(String, String)]) {
        (self.comment, self.record, self.expr, self.labels) = (comment, record, expr, labels)
    }

    init(
        comment: String, alert: String, expr: String, holdFor: String, labels: [(String, String)],
        annotations: [(String, String)]
    ) {
        (self.comment, self.alert, self.expr, self.holdFor) = (comment, alert, expr, holdFor)
        (self.labels, self.annotations) = (labels, annotations)
    }
}
