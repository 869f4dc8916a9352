import Conventions
import Foundation
import StrictYAML

/// Why SLO files cannot be used: a file that cannot be read, or one that is not a supported OpenSLO SLO.
public enum SLOFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is missing or unreadable.
    case unreadable(file: String, reason: String)
    /// The file is read but refused, with its file, line and key.
    case invalid(YAMLProblem)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): "cannot read the SLO file \(file): \(reason)"
        case .invalid(let problem): "the SLO file \(problem)"
        }
    }
}

/// Reads SLOs written in OpenSLO v1 (`apiVersion: openslo/v1`, `kind: SLO`), strictly: a key this reader
/// does not know or does not support is refused by name, never ignored, since an ignored key would make
/// rules that measure something else than the file says.
///
/// Supported, one SLO per file:
///
/// ```yaml
/// apiVersion: openslo/v1
/// kind: SLO
/// metadata:
///   name: app-availability                     # a DNS label, unique
///   displayName: …                             # optional
///   annotations:                               # optional; keys of other tools are left to them
///     incident/alert-name: AppErrorBudgetBurn  # alerts AppErrorBudgetBurnFast and …Slow
/// spec:
///   description: …                             # optional
///   service: app                               # the incidents' service
///   budgetingMethod: Occurrences               # optional; the only method
///   timeWindow: [{duration: 30d, isRolling: true}]
///   indicator:
///     metadata: {name: …, displayName: …}      # optional
///     spec:
///       ratioMetric:                           # counters: good or bad events, and all events
///         counter: true
///         bad: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{status=~"5.."}'}}}
///         total: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total'}}}
///       # or, over a histogram of latencies in seconds:
///       # thresholdMetric: {metricSource: {type: Prometheus, spec: {query: 'http_request_duration_seconds{job="app"}'}}}
///   objectives:
///     - displayName: …                         # optional; needed to tell several objectives apart
///       target: 0.999                          # or targetPercent: 99.9; strictly between 0 and 1
///       op: lte                                # thresholdMetric only: good events are at most
///       value: 0.3                             # this bucket boundary (seconds)
/// ```
public enum OpenSLO {
    /// The annotation that names the burn-rate alerts.
    public static let alertNameAnnotation = "incident/alert-name"

    /// Reads every file, in order, and checks that names and alert names are unique among them.
    public static func read(files: [String]) throws(SLOFileError) -> [SLO] {
        var slos: [SLO] = []
        for file in files {
            let slo = try read(file: file)
            if let other = slos.first(where: { $0.name == slo.name }) {
                throw .invalid(
                    YAMLProblem(
                        file: file, line: nil, key: "metadata.name",
                        problem:
                            "the SLO name '\(slo.name)' is also the name of the SLO in \(other.file); names must be unique"
                    ))
            }
            if let other = slos.first(where: { $0.alertName == slo.alertName }) {
                throw .invalid(
                    YAMLProblem(
                        file: file, line: nil, key: "metadata.annotations.\(alertNameAnnotation)",
                        problem: "the alert name '\(slo.alertName)' is also used by the SLO in \(other.file); "
                            + "give each SLO its own"))
            }
            slos.append(slo)
        }
        return slos
    }

    /// Reads the SLO in `file`.
    public static func read(file: String) throws(SLOFileError) -> SLO {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: file, isDirectory: &isFolder), isFolder.boolValue {
            throw .unreadable(file: file, reason: "it is a folder; give its files, such as \(file)/*.yaml")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw .unreadable(file: file, reason: plainReason(error, path: file))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(file: file, reason: "it is not UTF-8 text; save it as UTF-8")
        }
        do {
            return try parse(YAMLObject(text: text, file: file))
        } catch {
            throw .invalid(error)
        }
    }

    /// The SLO in a parsed document.
    public static func parse(_ root: YAMLObject) throws(YAMLProblem) -> SLO {
        try root.refuseUnknownKeys(["apiVersion", "kind", "metadata", "spec"])
        let version = try root.requiredString("apiVersion")
        guard version == "openslo/v1" else {
            throw root.problem("apiVersion", "must be openslo/v1, not '\(version)'; other versions are not read")
        }
        let kind = try root.requiredString("kind")
        guard kind == "SLO" else {
            throw root.problem(
                "kind", "must be SLO, not '\(kind)'; write the indicator and alerting inside the SLO, one per file")
        }
        let metadata = try required(root, "metadata")
        try refuse(metadata, ["labels": "labels are not carried into the rules; remove them"])
        try metadata.refuseUnknownKeys(["name", "displayName", "annotations"])
        let name = try metadata.requiredString("name")
        guard isDNSLabel(name) else {
            throw metadata.problem(
                "name",
                "'\(name)' is not a name of lower-case letters, digits and '-' (at most 63, starting and "
                    + "ending with a letter or digit)")
        }
        let alertName = try alertName(metadata, default: name)

        let spec = try required(root, "spec")
        try refuse(
            spec,
            [
                "indicatorRef": "only an inline indicator is read; write it under spec.indicator",
                "alertPolicies": "alerts are made from the SRE workbook's burn-rate table; remove alertPolicies",
            ])
        try spec.refuseUnknownKeys([
            "description", "service", "indicator", "budgetingMethod", "timeWindow", "objectives",
        ])
        let service = try spec.requiredString("service")
        guard isServiceName(service) else {
            throw spec.problem(
                "service",
                "'\(service)' is not a service name as incidents record it: one lower-case word of letters, "
                    + "digits, '.', '_' or '-'")
        }
        if let method = try spec.string("budgetingMethod"), method != "Occurrences" {
            throw spec.problem(
                "budgetingMethod",
                "'\(method)' is not supported; the only method is Occurrences (good events / all events)")
        }
        let indicator = try indicator(try required(spec, "indicator"))
        let window = try window(spec)
        let objectives = try spec.objects("objectives")
        guard !objectives.isEmpty else { throw spec.problem("objectives", "needs at least one objective") }
        var read: [SLO.Objective] = []
        for object in objectives {
            let objective = try objective(object, indicator: indicator)
            if objectives.count > 1 && objective.displayName == nil {
                throw object.problem(
                    "displayName", "is required when an SLO has several objectives, to tell them apart")
            }
            if read.contains(where: { $0.label == objective.label }) {
                throw object.problem("displayName", "'\(objective.label)' names another objective of this SLO too")
            }
            read.append(objective)
        }
        return SLO(
            name: name, displayName: try metadata.string("displayName") ?? name,
            description: try spec.string("description"), service: service, window: window, indicator: indicator,
            objectives: read, alertName: alertName, file: root.file)
    }

    private static func required(_ object: YAMLObject, _ key: String) throws(YAMLProblem) -> YAMLObject {
        guard let child = try object.object(key) else { throw object.problem(key, "is required") }
        return child
    }

    /// Refuses the first key of `unsupported` present in `object`, with the reason given.
    private static func refuse(_ object: YAMLObject, _ unsupported: [String: String]) throws(YAMLProblem) {
        for key in object.keys {
            if let reason = unsupported[key] {
                throw object.problem(key, "is OpenSLO but not supported here: \(reason)")
            }
        }
    }

    private static func alertName(_ metadata: YAMLObject, default name: String) throws(YAMLProblem) -> String {
        let fallback =
            name.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined() + "BudgetBurn"
        guard let annotations = try metadata.object("annotations") else { return fallback }
        for key in annotations.keys where key.hasPrefix("incident/") && key != alertNameAnnotation {
            throw annotations.problem(key, "unknown annotation of incident; the one read is \(alertNameAnnotation)")
        }
        guard let alert = try annotations.string(alertNameAnnotation) else { return fallback }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
        guard let first = alert.first, first.isLetter, alert.count <= 100, alert.allSatisfy(allowed.contains) else {
            throw annotations.problem(
                alertNameAnnotation, "'\(alert)' is not an alert name: letters, digits and '_', starting with a letter")
        }
        return alert
    }

    private static func indicator(_ indicator: YAMLObject) throws(YAMLProblem) -> SLO.Indicator {
        try indicator.refuseUnknownKeys(["metadata", "spec"])
        if let metadata = try indicator.object("metadata") {
            try metadata.refuseUnknownKeys(["name", "displayName"])
            _ = try metadata.string("name")
            _ = try metadata.string("displayName")
        }
        let spec = try required(indicator, "spec")
        try refuse(spec, ["rawMetric": "use ratioMetric or thresholdMetric"])
        try spec.refuseUnknownKeys(["ratioMetric", "thresholdMetric"])
        switch (try spec.object("ratioMetric"), try spec.object("thresholdMetric")) {
        case (let ratio?, nil):
            try refuse(
                ratio,
                [
                    "raw": "give counters of events as good or bad, and total",
                    "rawType": "give counters of events as good or bad, and total",
                ])
            try ratio.refuseUnknownKeys(["counter", "good", "bad", "total"])
            guard try ratio.bool("counter") == true else {
                throw ratio.problem(
                    "counter",
                    "must be true: the queries must be counters, of which the rules take rate() over each window")
            }
            let good = try ratio.object("good").map { metric throws(YAMLProblem) in try query(metric) }
            let bad = try ratio.object("bad").map { metric throws(YAMLProblem) in try query(metric) }
            guard (good == nil) != (bad == nil) else {
                throw ratio.problem(
                    good == nil ? "good" : "bad", "give either good or bad events, not both and not neither")
            }
            return .ratio(good: good, bad: bad, total: try query(try required(ratio, "total")))
        case (nil, let threshold?):
            try threshold.refuseUnknownKeys(["metricSource"])
            let histogram = try query(threshold)
            let name = PromQL.split(selector: histogram).name
            if ["_bucket", "_count", "_sum"].contains(where: name.hasSuffix) {
                throw threshold.problem(
                    "metricSource",
                    "name the histogram without its _bucket, _count or _sum suffix, such as "
                        + "http_request_duration_seconds{job=\"app\"}")
            }
            return .threshold(histogram: histogram)
        default:
            throw spec.problem("", "needs exactly one of ratioMetric and thresholdMetric")
        }
    }

    /// The selector in `{metricSource: {type: Prometheus, spec: {query: …}}}`.
    private static func query(_ metric: YAMLObject) throws(YAMLProblem) -> String {
        try metric.refuseUnknownKeys(["metricSource"])
        let source = try required(metric, "metricSource")
        try refuse(source, ["metricSourceRef": "DataSource objects are not read; give type: Prometheus and spec.query"])
        try source.refuseUnknownKeys(["type", "spec"])
        let type = try source.requiredString("type")
        guard type.lowercased() == "prometheus" else {
            throw source.problem("type", "'\(type)' is not supported; the rules are for Prometheus")
        }
        let spec = try required(source, "spec")
        try spec.refuseUnknownKeys(["query"])
        let query = try spec.requiredString("query").trimmingCharacters(in: .whitespacesAndNewlines)
        guard PromQL.isSelector(query) else {
            throw spec.problem(
                "query",
                "'\(query)' is not a series selector such as http_requests_total{job=\"app\"}: the rules take "
                    + "rate() of it over each window themselves, so give no function, aggregation or range")
        }
        return query
    }

    private static func window(_ spec: YAMLObject) throws(YAMLProblem) -> Int {
        let windows = try spec.objects("timeWindow")
        guard windows.count == 1, let window = windows.first else {
            throw spec.problem("timeWindow", "needs exactly one window, such as [{duration: 30d, isRolling: true}]")
        }
        try refuse(window, ["calendar": "only rolling windows are supported"])
        try window.refuseUnknownKeys(["duration", "isRolling"])
        guard try window.bool("isRolling") == true else {
            throw window.problem("isRolling", "must be true: only rolling windows are supported")
        }
        let text = try window.requiredString("duration")
        guard let seconds = WindowDuration.seconds(text), seconds >= 3600 else {
            throw window.problem(
                "duration",
                "'\(text)' is not a window such as 30d, 4w or 12h (whole numbers of w, d, h, m or s, at "
                    + "least an hour; months, quarters and years have no fixed length)")
        }
        return seconds
    }

    private static func objective(_ object: YAMLObject, indicator: SLO.Indicator) throws(YAMLProblem) -> SLO.Objective {
        try refuse(
            object,
            [
                "timeSliceTarget": "only the Occurrences budgeting method is supported",
                "timeSliceWindow": "only the Occurrences budgeting method is supported",
                "indicator": "give the indicator once, under spec.indicator",
                "indicatorRef": "give the indicator once, under spec.indicator",
                "compositeWeight": "composite SLOs are not supported",
            ])
        try object.refuseUnknownKeys(["displayName", "target", "targetPercent", "op", "value"])
        let target: Decimal
        switch (try decimal(object, "target"), try decimal(object, "targetPercent")) {
        case (let fraction?, nil):
            target = fraction
        case (nil, let percent?):
            target = percent / 100
        default:
            throw object.problem(
                "target", "give either target (0.999) or targetPercent (99.9), not both and not neither")
        }
        guard target > 0, target < 1 else {
            let key = object.keys.contains("target") ? "target" : "targetPercent"
            throw object.problem(
                key,
                "\(target) is not strictly between 0 and 1 (0 % and 100 %): 1 leaves no error budget, 0 promises nothing"
            )
        }
        var objective = SLO.Objective(displayName: try object.string("displayName"), target: target)
        switch indicator {
        case .ratio:
            for key in ["op", "value"] where object.keys.contains(key) {
                throw object.problem(key, "applies to a thresholdMetric only; a ratioMetric counts good events itself")
            }
        case .threshold:
            let op = try object.requiredString("op")
            guard op == "lte" else {
                throw object.problem(
                    "op",
                    "'\(op)' is not supported; use lte: a histogram counts the events at most each bucket boundary")
            }
            guard let value = try decimal(object, "value"), value > 0 else {
                throw object.problem("value", "is required: the latency in seconds, a bucket boundary such as 0.3")
            }
            objective.threshold = value
        }
        return objective
    }

    /// A number written in decimal (`0.999`, `99.9`, `1`), read exactly.
    private static func decimal(_ object: YAMLObject, _ key: String) throws(YAMLProblem) -> Decimal? {
        guard let text = try object.string(key) else { return nil }
        let digits = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard !text.isEmpty, digits.count <= 2, digits.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) }),
            digits.allSatisfy({ $0.allSatisfy(\.isNumber) }), let value = Decimal(string: text, locale: nil)
        else {
            throw object.problem(key, "must be a decimal number such as 0.999, not '\(text)'")
        }
        return value
    }

    private static func isDNSLabel(_ name: String) -> Bool {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        return (1...63).contains(name.count) && name.allSatisfy(allowed.contains) && name.first != "-"
            && name.last != "-"
    }

    private static func isServiceName(_ name: String) -> Bool {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789._-")
        guard let first = name.first, first.isLetter || first.isNumber else { return false }
        return name.count <= 100 && name.allSatisfy(allowed.contains)
    }
}
