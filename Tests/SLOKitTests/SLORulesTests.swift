import Foundation
import SLOKit
import Testing

/// The rule generator against burn-rate thresholds and windows computed by hand from the SRE workbook's
/// table: threshold = burn × (1 − target).
struct SLORulesTests {
    static let availability = SLO(
        name: "app-availability", displayName: "app availability", description: "availability", service: "app",
        window: 30 * 86400,
        indicator: .ratio(good: nil, bad: #"http_requests_total{status=~"5.."}"#, total: "http_requests_total"),
        objectives: [SLO.Objective(target: Decimal(string: "0.999")!)], alertName: "AppErrorBudgetBurn",
        file: "a.yaml")
    static let latency = SLO(
        name: "app-latency", displayName: "app latency", description: nil, service: "app", window: 30 * 86400,
        indicator: .threshold(histogram: #"http_request_duration_seconds{job="app"}"#),
        objectives: [SLO.Objective(target: Decimal(string: "0.99")!, threshold: Decimal(string: "0.3")!)],
        alertName: "AppLatencyBudgetBurn", file: "l.yaml")

    @Test func thresholdsAreBurnTimesTheErrorBudget() {
        let conditions = BurnRateAlert.workbook.flatMap(\.conditions)
        // 99.9 %: budget 0.001; 14.4 × 0.001, 6 × 0.001, 3 × 0.001, 1 × 0.001.
        #expect(
            conditions.map { SLORules.threshold($0, Self.availability.objectives[0]) }
                == ["0.0144", "0.006", "0.003", "0.001"].map { Decimal(string: $0)! })
        // 99 %: budget 0.01.
        #expect(
            conditions.map { SLORules.threshold($0, Self.latency.objectives[0]) }
                == ["0.144", "0.06", "0.03", "0.01"].map { Decimal(string: $0)! })
    }

    @Test func theWorkbookTable() {
        let table = BurnRateAlert.workbook.map { alert in
            (alert.suffix, alert.severity, alert.holdFor, alert.conditions.map { "\($0.burn)×\($0.long)/\($0.short)" })
        }
        #expect(table.map(\.0) == ["Fast", "Slow"])
        #expect(table.map(\.1) == ["page", "ticket"])
        #expect(table.map(\.2) == [120, 900])
        #expect(table.map(\.3) == [["14.4×3600/300", "6×21600/1800"], ["3×86400/7200", "1×259200/21600"]])
        #expect(BurnRateAlert.windows == [300, 1800, 3600, 7200, 21600, 86400, 259_200])
    }

    @Test func theLabProfileScalesBySixtyWithAFloorOfFourSeconds() {
        let lab = RuleProfile.lab
        #expect(BurnRateAlert.windows.map(lab.duration) == ["5s", "30s", "1m", "2m", "6m", "24m", "1h12m"])
        #expect(lab.duration(120) == "4s", "for: 2m is 2 s, under the floor")
        #expect(lab.duration(900) == "15s")
        #expect(lab.duration(30 * 86400) == "12h")
        #expect(
            BurnRateAlert.windows.map(RuleProfile.production.duration) == ["5m", "30m", "1h", "2h", "6h", "1d", "3d"])
    }

    /// The JSON form is the YAML one without comments: the same groups, rules in the same order, and each
    /// alert's `for`, labels and annotations as the YAML writes them.
    @Test func theJSONFormHoldsTheRulesOfTheYAMLForm() throws {
        let rules = SLORules(slos: [Self.availability, Self.latency], profile: .lab, command: "x")
        struct File: Decodable {
            struct Group: Decodable {
                var name: String
                var rules: [Rule]
            }
            struct Rule: Decodable {
                var record: String?
                var alert: String?
                var expr: String
                var `for`: String?
                var labels: [String: String]
                var annotations: [String: String]?
            }
            var groups: [Group]
        }
        let file = try JSONDecoder().decode(File.self, from: Data(rules.json.utf8))
        #expect(file.groups.map(\.name) == ["slo-app-availability", "slo-app-latency"])
        let yamlNames = rules.text.split(separator: "\n").compactMap { line in
            line.firstMatch(of: /^      - (?:record|alert): (.+)$/).map { String($0.1) }
        }
        let jsonRules = file.groups.flatMap(\.rules)
        #expect(jsonRules.map { $0.alert ?? $0.record ?? "" } == yamlNames)
        let page = try #require(jsonRules.first { $0.alert == "AppErrorBudgetBurnFast" })
        #expect(page.for == "4s" && page.labels["severity"] == "page" && page.labels["slo"] == "app-availability")
        #expect(page.annotations?["runbook_url"] == "docs/runbooks/AppErrorBudgetBurnFast.md")
        #expect(page.expr.contains("slo:sli_error:ratio_rate1m{slo=\"app-availability\"} > 0.0144"))
        #expect(rules.text.contains("          " + page.expr.split(separator: "\n")[1]))
        #expect(jsonRules.filter { $0.record != nil }.allSatisfy { $0.for == nil && $0.annotations == nil })
    }

    @Test func productionRules() {
        let text = SLORules(slos: [Self.availability], profile: .production, command: "incident slo rules a.yaml").text
        #expect(
            text.hasPrefix("# Recording rules and burn-rate alerts of the SLOs app-availability, production profile.\n")
        )
        #expect(text.contains("# GENERATED by `incident slo rules a.yaml`"))
        for window in ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] {
            #expect(text.contains("      - record: slo:sli_error:ratio_rate\(window)\n"), "\(window)")
            #expect(text.contains("sum(rate(http_requests_total{status=~\"5..\"}[\(window)]))"), "\(window)")
        }
        let fast = """
                  - alert: AppErrorBudgetBurnFast
                    expr: |-
                      (
                        slo:sli_error:ratio_rate1h{slo="app-availability"} > 0.0144
                        and
                        slo:sli_error:ratio_rate5m{slo="app-availability"} > 0.0144
                      )
                      or
                      (
                        slo:sli_error:ratio_rate6h{slo="app-availability"} > 0.006
                        and
                        slo:sli_error:ratio_rate30m{slo="app-availability"} > 0.006
                      )
                    for: 2m
                    labels:
                      objective: "99.9%"
                      service: "app"
                      severity: "page"
                      slo: "app-availability"
            """
        #expect(text.contains(fast))
        #expect(text.contains("slo:sli_error:ratio_rate1d{slo=\"app-availability\"} > 0.003"))
        #expect(text.contains("slo:sli_error:ratio_rate3d{slo=\"app-availability\"} > 0.001"))
        #expect(text.contains("      - alert: AppErrorBudgetBurnSlow\n"))
        #expect(text.contains("        for: 15m\n"))
        #expect(text.contains(#"runbook_url: "docs/runbooks/AppErrorBudgetBurnFast.md""#))
        #expect(text.contains("which spends 2% or 5% of it within the long window"))
        #expect(text.contains("which spends 10% or 10% of it within the long window"))
    }

    @Test func labRulesForAThresholdSLO() {
        let text = SLORules(slos: [Self.latency], profile: .lab, runbookBase: "https://r/", command: "x").text
        #expect(text.contains("# Every window and for: is the production one × 1/60, never under 4s"))
        #expect(text.contains(#"slo:sli_error:ratio_rate1m{slo="app-latency",threshold="0.3"} > 0.144"#))
        #expect(text.contains(#"slo:sli_error:ratio_rate5s{slo="app-latency",threshold="0.3"} > 0.144"#))
        #expect(text.contains(#"slo:sli_error:ratio_rate1h12m{slo="app-latency",threshold="0.3"} > 0.01"#))
        #expect(text.contains("        for: 4s\n") && text.contains("        for: 15s\n"))
        #expect(text.contains(#"http_request_duration_seconds_bucket{job="app",le="0.3"}[5s]"#))
        #expect(text.contains(#"http_request_duration_seconds_count{job="app"}[1h12m]"#))
        #expect(text.contains(#"      threshold: "0.3""#))
        #expect(text.contains(#"runbook_url: "https://r/AppLatencyBudgetBurnSlow.md""#))
    }

    @Test func theErrorRatioIsZeroNotNoDataBeforeTheFirstBadEvent() {
        let counted = PromQL.errorRatio(EventQueries(total: "t", bad: .counted("b")), "5m")
        #expect(
            counted
                == "(\n  sum(rate(b[5m]))\n  or\n  0 * sum(rate(t[5m]))\n)\n/\n(sum(rate(t[5m])) > 0)\nor\n0 * sum(rate(t[5m]))"
        )
        let complement = PromQL.errorRatio(EventQueries(total: "t", bad: .complement(good: "g")), "5m")
        #expect(complement.hasPrefix("(\n  sum(rate(t[5m])) - (sum(rate(g[5m])) or 0 * sum(rate(t[5m])))\n  or\n"))
    }

    @Test func selectors() {
        for good in ["up", #"http_requests_total{job="app"}"#, "a:b_c{}", #"x{a=~"5..",b!="c"}"#] {
            #expect(PromQL.isSelector(good), "\(good)")
        }
        for bad in ["", "rate(x[5m])", "x[5m]", "sum(x)", "x{a=\"1\"} + 1", "1x", "x{"] {
            #expect(!PromQL.isSelector(bad), "\(bad)")
        }
    }
}
