import Foundation
import IncidentKit

extension SLOMeasurement {
    /// The measurements as a report section, shown by `incident slo status` and in `incident report
    /// --prometheus`: one row per objective, then one per incident in a window.
    public static func section(_ measurements: [SLOMeasurement], prometheus: String, at now: Timestamp)
        -> ReportSection
    {
        var blocks: [ReportSection.Block] = [
            .text(
                "Measured on Prometheus at \(prometheus) at \(now). SLI: good events / all events over the SLO's "
                    + "window; budget spent: the share of bad events / (1 − target), above 100% when overspent. An "
                    + "incident's cost is its bad events (from its start to its recovery) / the bad events the "
                    + "window's budget allows. \"no data\": Prometheus has no series for it.")
        ]
        guard !measurements.isEmpty else {
            return ReportSection(title: "Service level objectives", blocks: blocks + [.text("No SLOs.")])
        }
        blocks.append(
            .table(
                header: [
                    "SLO", "objective", "window", "events", "SLI", "budget spent", "budget left", "injected incidents",
                    "real incidents",
                ],
                rows: measurements.map { measurement in
                    [
                        measurement.slo, measurement.objective, measurement.window, count(measurement.events),
                        percent(measurement.sli, digits: 3), percent(measurement.budgetSpent, digits: 1),
                        percent(measurement.budgetRemaining, digits: 1), cost(measurement.injected),
                        cost(measurement.real),
                    ]
                }))
        let incidents = measurements.flatMap { measurement in measurement.incidents.map { (measurement, $0) } }
        if incidents.isEmpty {
            blocks.append(.text("No incident of these services started in the windows."))
        } else {
            blocks.append(
                .table(
                    header: [
                        "SLO", "objective", "incident", "kind", "started", "measured for", "SLI", "budget spent",
                        "title",
                    ],
                    rows: incidents.map { measurement, incident in
                        [
                            measurement.slo, measurement.objective, "#\(incident.id)", incident.kind.rawValue,
                            incident.startedAt.description,
                            DurationText.human(incident.spanS)
                                + (incident.recoveredAt == nil ? " (not recovered)" : ""),
                            percent(incident.sli, digits: 3), percent(incident.budgetSpent, digits: 1), incident.title,
                        ]
                    }))
        }
        return ReportSection(title: "Service level objectives", blocks: blocks)
    }

    private static func percent(_ fraction: Double?, digits: Int) -> String {
        fraction.map { String(format: "%.\(digits)f%%", $0 * 100) } ?? "no data"
    }

    private static func count(_ value: Double?) -> String {
        value.map { String(format: "%.0f", $0) } ?? "no data"
    }

    private static func cost(_ total: CostTotal) -> String {
        guard total.incidents > 0 else { return "none" }
        let spent = total.budgetSpent.map { String(format: "%.1f%% of the budget", $0 * 100) } ?? "no data"
        let unmeasured = total.incidents - total.measured
        return "\(total.incidents): \(spent)"
            + (unmeasured > 0 && total.measured > 0 ? " (\(unmeasured) without data)" : "")
    }
}
