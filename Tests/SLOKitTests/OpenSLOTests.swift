import Foundation
import SLOKit
import StrictYAML
import TestSupport
import Testing

/// The OpenSLO reader: the committed SLOs as the ops rules need them, and every malformed file refused
/// with its file, line and key.
struct OpenSLOTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func theCommittedSLOsAreTheOnesOfOpsReadme() throws {
        let slos = try OpenSLO.read(
            files: ["app-availability", "app-latency"].map {
                Self.root.appendingPathComponent("ops/slo/\($0).yaml").path
            })
        #expect(slos.map(\.name) == ["app-availability", "app-latency"])
        #expect(slos.map(\.alertName) == ["AppErrorBudgetBurn", "AppLatencyBudgetBurn"])
        #expect(slos.allSatisfy { $0.service == "app" && $0.window == 30 * 86400 })
        let availability = slos[0]
        #expect(
            availability.indicator
                == .ratio(
                    good: #"haproxy_backend_http_responses_total{job="haproxy",proxy="app",code!~"5xx|other"}"#,
                    bad: nil, total: #"haproxy_backend_http_responses_total{job="haproxy",proxy="app"}"#))
        #expect(availability.objectives == [SLO.Objective(target: Decimal(string: "0.999")!)])
        #expect(availability.objectives[0].errorBudget == Decimal(string: "0.001")!)
        let latency = slos[1]
        #expect(latency.indicator == .threshold(histogram: #"http_request_duration_seconds{job="app"}"#))
        #expect(
            latency.objectives == [SLO.Objective(target: Decimal(string: "0.99")!, threshold: Decimal(string: "0.3")!)])
        #expect(
            latency.events(for: latency.objectives[0])
                == EventQueries(
                    total: #"http_request_duration_seconds_count{job="app"}"#,
                    bad: .complement(good: #"http_request_duration_seconds_bucket{job="app",le="0.3"}"#)))
    }

    /// A minimal valid file; each malformed case changes one line of it.
    static let valid = """
        apiVersion: openslo/v1
        kind: SLO
        metadata:
          name: checkout
        spec:
          service: checkout-api
          timeWindow:
            - duration: 28d
              isRolling: true
          indicator:
            spec:
              ratioMetric:
                counter: true
                bad:
                  metricSource:
                    type: Prometheus
                    spec:
                      query: 'requests_total{code=~"5.."}'
                total:
                  metricSource:
                    type: Prometheus
                    spec:
                      query: requests_total
          objectives:
            - target: 0.995
        """

    static let threshold = """
        apiVersion: openslo/v1
        kind: SLO
        metadata:
          name: fast
        spec:
          service: app
          timeWindow: [{duration: 7d, isRolling: true}]
          indicator:
            spec:
              thresholdMetric:
                metricSource: {type: Prometheus, spec: {query: latency_seconds}}
          objectives:
            - {displayName: most, target: 0.9, op: lte, value: 0.1}
            - {displayName: nearly all, targetPercent: 99.5, op: lte, value: 1}
        """

    func read(_ text: String) throws -> SLO {
        let directory = try TemporaryDirectory()
        let file = directory.path("slo.yaml")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return try OpenSLO.read(file: file)
    }

    @Test func aMinimalFileAndAThresholdFileRead() throws {
        let slo = try read(Self.valid)
        #expect(slo.alertName == "CheckoutBudgetBurn", "the default alert name is the SLO name in CamelCase")
        #expect(slo.window == 28 * 86400 && slo.displayName == "checkout")
        #expect(slo.indicator == .ratio(good: nil, bad: #"requests_total{code=~"5.."}"#, total: "requests_total"))
        let fast = try read(Self.threshold)
        #expect(fast.objectives.map(\.threshold) == [Decimal(string: "0.1")!, 1])
        #expect(fast.objectives[1].target == Decimal(string: "0.995")!)
        #expect(
            fast.events(for: fast.objectives[1])
                == EventQueries(
                    total: "latency_seconds_count", bad: .complement(good: #"latency_seconds_bucket{le="1"}"#)))
    }

    /// (what to replace in the valid file, by what, the key the error names, words of the message).
    static let malformed: [(String, String, String, String)] = [
        ("  service: checkout-api", "  serivce: checkout-api", "spec.serivce", "unknown or unsupported key"),
        ("apiVersion: openslo/v1", "apiVersion: openslo/v1alpha", "apiVersion", "must be openslo/v1"),
        ("kind: SLO", "kind: Service", "kind", "must be SLO"),
        ("  name: checkout", "  name: Check Out", "metadata.name", "lower-case"),
        ("  name: checkout", "  name: checkout\n  labels: {team: a}", "metadata.labels", "not supported"),
        ("    - target: 0.995", "    - target: 1", "spec.objectives[0].target", "strictly between 0 and 1"),
        ("    - target: 0.995", "    - target: 0", "spec.objectives[0].target", "strictly between 0 and 1"),
        ("    - target: 0.995", "    - targetPercent: 100", "spec.objectives[0].targetPercent", "strictly between"),
        ("    - target: 0.995", "    - target: -0.5", "spec.objectives[0].target", "decimal number"),
        ("    - target: 0.995", "    - target: 99.5%", "spec.objectives[0].target", "decimal number"),
        ("    - target: 0.995", "    - {target: 0.9, targetPercent: 90}", "spec.objectives[0].target", "not both"),
        ("    - target: 0.995", "    - {target: 0.9, op: lte}", "spec.objectives[0].op", "thresholdMetric only"),
        (
            "    - target: 0.995", "    - {target: 0.9, timeSliceTarget: 0.9}", "spec.objectives[0].timeSliceTarget",
            "Occurrences"
        ),
        ("  objectives:\n    - target: 0.995", "  objectives: []", "spec.objectives", "at least one"),
        ("    - duration: 28d", "    - duration: 28 days", "spec.timeWindow[0].duration", "not a window"),
        ("    - duration: 28d", "    - duration: 1M", "spec.timeWindow[0].duration", "months"),
        ("    - duration: 28d", "    - duration: 0d", "spec.timeWindow[0].duration", "not a window"),
        ("    - duration: 28d", "    - duration: 5m1h", "spec.timeWindow[0].duration", "not a window"),
        ("      isRolling: true", "      isRolling: false", "spec.timeWindow[0].isRolling", "rolling"),
        ("      isRolling: true", "      isRolling: yes please", "spec.timeWindow[0].isRolling", "true or false"),
        ("  service: checkout-api", "  service: checkout-api\n  indicatorRef: x", "spec.indicatorRef", "inline"),
        ("  service: checkout-api", "  service: checkout-api\n  alertPolicies: [x]", "spec.alertPolicies", "workbook"),
        (
            "  service: checkout-api", "  service: checkout-api\n  budgetingMethod: Timeslices", "spec.budgetingMethod",
            "Occurrences"
        ),
        ("  service: checkout-api", "  service: Checkout API", "spec.service", "service name"),
        ("        counter: true", "        counter: false", "spec.indicator.spec.ratioMetric.counter", "counters"),
        (
            "        bad:", "        good: {metricSource: {type: Prometheus, spec: {query: ok_total}}}\n        bad:",
            "spec.indicator.spec.ratioMetric.bad", "not both"
        ),
        (
            "query: 'requests_total{code=~\"5..\"}'", "query: 'sum(rate(requests_total[5m]))'",
            "spec.indicator.spec.ratioMetric.bad.metricSource.spec.query", "not a series selector"
        ),
        (
            "            type: Prometheus\n            spec:\n              query: requests_total",
            "            type: Datadog\n            spec:\n              query: requests_total",
            "spec.indicator.spec.ratioMetric.total.metricSource.type", "Prometheus"
        ),
        (
            "            type: Prometheus\n            spec:\n              query: requests_total",
            "            metricSourceRef: prom\n            spec:\n              query: requests_total",
            "spec.indicator.spec.ratioMetric.total.metricSource.metricSourceRef", "not supported"
        ),
        (
            "  name: checkout", "  name: checkout\n  annotations: {incident/alert-nmae: X}",
            "metadata.annotations.incident/alert-nmae", "unknown annotation"
        ),
        (
            "  name: checkout", "  name: checkout\n  annotations: {incident/alert-name: 'Page me'}",
            "metadata.annotations.incident/alert-name", "not an alert name"
        ),
    ]

    @Test(arguments: malformed.indices)
    func aMalformedFileIsRefusedWithItsFileLineAndKey(index: Int) throws {
        let (old, new, key, words) = Self.malformed[index]
        #expect(Self.valid.contains(old), "case \(index) changes nothing")
        let directory = try TemporaryDirectory()
        let file = directory.path("broken.yaml")
        try Self.valid.replacingOccurrences(of: old, with: new).write(toFile: file, atomically: true, encoding: .utf8)
        let error = #expect(throws: SLOFileError.self) { try OpenSLO.read(file: file) }
        guard case .invalid(let problem) = error else {
            Issue.record("not refused as invalid: \(String(describing: error))")
            return
        }
        #expect(problem.file == file)
        #expect(problem.key == key, "case \(index): \(problem)")
        #expect(problem.problem.contains(words), "case \(index): \(problem)")
        #expect(problem.line != nil, "case \(index): \(problem)")
    }

    @Test func thresholdObjectivesMustBeLteWithAValueAndTheHistogramWithoutSuffix() throws {
        for (old, new, key) in [
            ("op: lte, value: 0.1", "op: gt, value: 0.1", "spec.objectives[0].op"),
            ("op: lte, value: 0.1", "op: lte", "spec.objectives[0].value"),
            (
                "query: latency_seconds", "query: latency_seconds_bucket",
                "spec.indicator.spec.thresholdMetric.metricSource"
            ),
            ("{displayName: most, target", "{target", "spec.objectives[0].displayName"),
            ("displayName: nearly all", "displayName: most", "spec.objectives[1].displayName"),
        ] {
            let error = #expect(throws: SLOFileError.self) {
                try read(Self.threshold.replacingOccurrences(of: old, with: new))
            }
            guard case .invalid(let problem) = error else { continue }
            #expect(problem.key == key, "\(new): \(problem)")
        }
    }

    @Test func theLineIsTheLineOfTheBadValue() throws {
        let error = #expect(throws: SLOFileError.self) {
            try read(Self.valid.replacingOccurrences(of: "target: 0.995", with: "target: 1.5"))
        }
        guard case .invalid(let problem) = error else { return }
        #expect(problem.line == 25)
        #expect(
            problem.description.hasSuffix(
                "slo.yaml:25: spec.objectives[0].target: 1.5 is not strictly between 0 and 1 (0 % and 100 %): 1 leaves no error budget, 0 promises nothing"
            ))
    }

    @Test func aMissingFileIsUnreadableAndNamesAreUniqueAcrossFiles() throws {
        #expect(throws: SLOFileError.self) { try OpenSLO.read(file: "/nonexistent/slo.yaml") }
        do {
            _ = try OpenSLO.read(file: "/nonexistent/slo.yaml")
        } catch {
            guard case .unreadable(let file, _) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(file == "/nonexistent/slo.yaml")
        }
        let directory = try TemporaryDirectory()
        let (a, b) = (directory.path("a.yaml"), directory.path("b.yaml"))
        try Self.valid.write(toFile: a, atomically: true, encoding: .utf8)
        try Self.valid.write(toFile: b, atomically: true, encoding: .utf8)
        let error = #expect(throws: SLOFileError.self) { try OpenSLO.read(files: [a, b]) }
        guard case .invalid(let problem) = error else { return }
        #expect(problem.file == b && problem.key == "metadata.name" && problem.problem.contains(a))
    }

    @Test func windowDurations() {
        #expect(WindowDuration.seconds("30d") == 2_592_000)
        #expect(WindowDuration.seconds("4w") == 2_419_200)
        #expect(WindowDuration.seconds("1h12m") == 4320)
        for bad in ["", "30", "30 d", "d", "1M", "1Q", "1Y", "5m1h", "1h1h", "-1d", "0s", "1.5h"] {
            #expect(WindowDuration.seconds(bad) == nil, "\(bad)")
        }
        #expect(WindowDuration.text(4320) == "1h12m")
        #expect(WindowDuration.text(2_592_000) == "30d")
        #expect(WindowDuration.text(5) == "5s")
        // An incident's span: exact to the millisecond, so its range starts at its start.
        #expect(WindowDuration.text(milliseconds: 10218) == "10218ms")
        #expect(WindowDuration.text(milliseconds: 90000) == "1m30s")
    }
}
