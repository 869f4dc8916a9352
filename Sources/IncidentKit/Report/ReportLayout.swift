import Foundation

/// A report laid out as sections of text, tables and a chart, so that the terminal and markdown renderers
/// show the same content.
public struct ReportSection: Sendable {
    public enum Block: Sendable {
        case text(String)
        /// Cells are plain user or computed text; renderers escape them as their format needs.
        case table(header: [String], rows: [[String]])
        /// Median TTD and TTR per period, in minutes.
        case chart(periods: [String], ttd: [Double], ttr: [Double])
        /// Deploys and change failures per period.
        case deployChart(periods: [String], deploys: [Int], failures: [Int])
    }

    public var title: String
    public var blocks: [Block]

    public init(title: String, blocks: [Block]) {
        self.title = title
        self.blocks = blocks
    }
}

extension MetricsReport {
    /// The report's sections, in reading order; the four keys only when deploys are in scope.
    public var sections: [ReportSection] {
        [
            summarySection, durationSection, openSection, trendSection, breakdownSection, detectionSection,
            recurrenceSection,
        ] + (delivery.all.deploys > 0 ? [deliverySection] : []) + [definitionSection]
    }

    private var summarySection: ReportSection {
        var scope = ["\(counts.total) incidents"]
        if let since = filters.since { scope.append("from \(since)") }
        if let until = filters.until { scope.append("before \(until)") }
        for (name, value) in [
            ("service", filters.service), ("kind", filters.kind?.rawValue),
            ("severity", filters.severity?.rawValue),
        ] {
            if let value { scope.append("\(name) \(value)") }
        }
        let statuses: [(String, Int)] = [
            ("open", counts.open), ("detected", counts.detected), ("acknowledged", counts.acknowledged),
            ("mitigated", counts.mitigated), ("resolved", counts.resolved), ("cancelled", counts.cancelled),
        ]
        return ReportSection(
            title: "Incident report",
            blocks: [
                .text(
                    scope.joined(separator: ", ") + "; periods by \(filters.period.rawValue) in \(filters.timeZone); "
                        + "generated \(generatedAt)."),
                .table(header: ["status", "incidents"], rows: statuses.map { [$0.0, String($0.1)] }),
            ])
    }

    private var durationSection: ReportSection {
        let sets: [(String, Stats)] = [("all", overall.all), ("injected", overall.injected), ("real", overall.real)]
        let metrics: [(String, KeyPath<Stats, Aggregate>)] = [
            ("TTD", \.ttd), ("TTA", \.tta), ("TTR", \.ttr), ("TTC", \.ttc), ("MTBF", \.mtbf),
        ]
        let rows = metrics.flatMap { name, path in
            sets.map { set, stats in [name, set] + Self.cells(stats[keyPath: path]) }
        }
        return ReportSection(
            title: "Time to detect and recover",
            blocks: [
                .text("Resolved incidents only; cancelled ones never count, open ones are listed below."),
                .table(header: ["metric", "set", "n", "mean", "median", "p90", "max"], rows: rows),
            ])
    }

    private var openSection: ReportSection {
        let open = counts.open + counts.detected + counts.acknowledged + counts.mitigated
        guard open > 0 else { return ReportSection(title: "Open incidents", blocks: [.text("None.")]) }
        return ReportSection(
            title: "Open incidents",
            blocks: [
                .text(
                    Self.shown(
                        openIncidents.count, of: open, one: "unresolved incident", many: "unresolved incidents",
                        ", not averaged above")),
                .table(
                    header: ["id", "status", "severity", "service", "started", "age", "title"],
                    rows: openIncidents.map {
                        [
                            "#\($0.id)", $0.status.rawValue, $0.severity.rawValue, $0.service, $0.startedAt.description,
                            DurationText.human($0.ageS), $0.title,
                        ]
                    }),
            ])
    }

    private var trendSection: ReportSection {
        guard !trend.isEmpty else { return ReportSection(title: "Trend", blocks: [.text("No incidents.")]) }
        let rows = trend.map { row in
            [
                row.period, String(row.count), String(row.ttr.n), DurationText.human(row.ttd.median),
                DurationText.human(row.ttr.median), DurationText.human(row.ttr.p90),
                row.change.map { $0.count > 0 ? "+\($0.count)" : "\($0.count)" } ?? "-",
                DurationText.signed(row.change?.medianTtdS), DurationText.signed(row.change?.medianTtrS),
            ]
        }
        return ReportSection(
            title: "Trend by \(filters.period.rawValue)",
            blocks: [
                .table(
                    header: [
                        "period", "incidents", "resolved", "median TTD", "median TTR", "p90 TTR",
                        "Δ incidents", "Δ median TTD", "Δ median TTR",
                    ], rows: rows),
                .chart(
                    periods: trend.map(\.period), ttd: trend.map { ($0.ttd.median ?? 0) / 60 },
                    ttr: trend.map { ($0.ttr.median ?? 0) / 60 }),
            ])
    }

    private var breakdownSection: ReportSection {
        let dimensions: [(String, [Group])] = [
            ("service", breakdowns.service), ("severity", breakdowns.severity),
            ("fault type", breakdowns.faultType), ("detection", breakdowns.detection),
            ("cause category", breakdowns.causeCategory),
        ]
        return ReportSection(
            title: "Breakdowns",
            blocks: dimensions.flatMap { name, groups in
                [
                    ReportSection.Block.table(
                        header: [name, "incidents", "resolved", "median TTD", "median TTR", "p90 TTR"],
                        rows: groups.map {
                            [
                                $0.key ?? "(none)", String($0.count), String($0.ttr.n),
                                DurationText.human($0.ttd.median),
                                DurationText.human($0.ttr.median), DurationText.human($0.ttr.p90),
                            ]
                        })
                ]
            })
    }

    private var detectionSection: ReportSection {
        guard detection.injected > 0 else {
            return ReportSection(
                title: "Detection of injected failures", blocks: [.text("No resolved injected incidents.")])
        }
        let missed = detection.injected - detection.detected
        var blocks: [ReportSection.Block] = [
            .text(
                "\(detection.detected) of \(detection.injected) injected failures detected "
                    + "(\(Self.percent(detection.rate))); \(missed) never noticed"
                    + (detection.detectedAfterRecovery > 0
                        ? ", of which \(detection.detectedAfterRecovery) only after recovery (a late detection)." : ".")
            ),
            .table(
                header: ["fault type", "injected", "detected", "rate", "median TTD"],
                rows: detection.byFaultType.map {
                    [
                        $0.faultType ?? "(none)", String($0.injected), String($0.detected), Self.percent($0.rate),
                        DurationText.human($0.medianTtdS),
                    ]
                }),
            .table(
                header: ["detected by", "detected", "median TTD"],
                rows: detection.byMethod.map {
                    [$0.method ?? "(none)", String($0.detected), DurationText.human($0.medianTtdS)]
                }),
        ]
        if missed > 0 {
            blocks.append(
                .text(
                    Self.shown(
                        detection.undetected.count, of: missed, one: "injected failure", many: "injected failures",
                        " never detected")))
            blocks.append(
                .table(
                    header: ["id", "started", "fault", "title"],
                    rows: detection.undetected.map {
                        ["#\($0.id)", $0.startedAt.description, $0.fault ?? "-", $0.title]
                    }))
        }
        return ReportSection(title: "Detection of injected failures", blocks: blocks)
    }

    private var recurrenceSection: ReportSection {
        guard !recurrences.isEmpty else {
            return ReportSection(title: "Recurrences", blocks: [.text("No real incident repeated an earlier cause.")])
        }
        let failed = recurrences.filter { $0.failedPrevention != nil }.count
        return ReportSection(
            title: "Recurrences",
            blocks: [
                .text(
                    "Real incidents whose service and cause category repeat an earlier one; \(failed) came back "
                        + "after a preventive change was done."),
                .table(
                    header: ["id", "started", "service", "cause", "repeats", "preventive change done before"],
                    rows: recurrences.map { recurrence in
                        [
                            "#\(recurrence.id)", recurrence.startedAt.description, recurrence.service,
                            recurrence.causeCategory, "#\(recurrence.earlierId)",
                            recurrence.failedPrevention.map {
                                "DID NOT PREVENT IT: action #\($0.actionId) of #\($0.incidentId) \"\($0.title)\", "
                                    + "done \($0.closedAt)"
                            } ?? "-",
                        ]
                    }),
            ])
    }

    private var deliverySection: ReportSection {
        let header = [
            "", "deploys", "frequency", "lead time", "change failure rate", "time to restore", "deployed → failure",
        ]
        func band(_ band: DORABand?) -> String { band.map { " (\($0.rawValue))" } ?? "" }
        func spread(_ aggregate: Aggregate, _ rating: DORABand?) -> String {
            guard aggregate.n > 0 else { return "-" }
            return "median \(DurationText.human(aggregate.median)), p90 \(DurationText.human(aggregate.p90))"
                + "\(band(rating)), n \(aggregate.n)"
        }
        func row(_ keys: DeliveryReport.Keys) -> [String] {
            [
                keys.key, String(keys.deploys),
                String(format: "%.1f a week", keys.deploysPerWeek) + band(keys.frequencyBand),
                spread(keys.leadTime, keys.leadTimeBand),
                keys.changeFailureRate.map {
                    "\(Self.percent($0)) (\(keys.changeFailures) of \(keys.deploys))\(band(keys.changeFailureBand))"
                } ?? "-",
                spread(keys.timeToRestore, keys.timeToRestoreBand),
                keys.failureLead.n > 0 ? "median \(DurationText.human(keys.failureLead.median))" : "-",
            ]
        }
        let all = delivery.all
        return ReportSection(
            title: "Delivery: the four keys",
            blocks: [
                .text(
                    "\(all.deploys) deploys over \(String(format: "%.1f", all.days)) days; DORA's band in "
                        + "parentheses (thresholds under Definitions). Time to restore starts at the failure, not at "
                        + "the deploy; how long after the deploy the failure began is beside it."),
                .table(header: header, rows: [row(all)] + delivery.services.map(row)),
                .table(header: ["period"] + header.dropFirst(), rows: delivery.trend.map(row)),
                .deployChart(
                    periods: delivery.trend.map(\.key), deploys: delivery.trend.map(\.deploys),
                    failures: delivery.trend.map(\.changeFailures)),
            ])
    }

    private var definitionSection: ReportSection {
        ReportSection(
            title: "Definitions",
            blocks: [
                .table(
                    header: ["term", "meaning"],
                    rows: (definitions + (delivery.all.deploys > 0 ? DeliveryReport.definitions : [])).map {
                        [$0.name, $0.meaning]
                    })
            ])
    }

    private static func cells(_ aggregate: Aggregate) -> [String] {
        [String(aggregate.n)]
            + [aggregate.mean, aggregate.median, aggregate.p90, aggregate.max].map(DurationText.human)
    }

    private static func percent(_ rate: Double?) -> String {
        rate.map { String(format: "%.0f%%", $0 * 100) } ?? "-"
    }

    /// "3 unresolved incidents, not …", "1 unresolved incident, not …", or "The newest 20 of 31 …": `one`
    /// and `many` are the noun phrase, `rest` what follows it.
    private static func shown(_ listed: Int, of total: Int, one: String, many: String, _ rest: String = "") -> String {
        let what = (total == 1 ? one : many) + rest
        return listed < total ? "The newest \(listed) of \(total) \(what)." : "\(total) \(what)."
    }
}
