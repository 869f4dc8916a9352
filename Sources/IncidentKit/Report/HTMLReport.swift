import Conventions
import Foundation

/// HTML for the report: one self-contained page (no script, no font, no request over the network) with the
/// report's tables and SVG charts, readable on a phone and printable. User text is escaped.
public enum HTML {
    /// `text` with `&`, `<`, `>`, `"` and `'` as entities, safe in an element or an attribute.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    /// A table; every cell is escaped. Numeric columns are aligned right.
    static func table(header: [String], rows: [[String]]) -> String {
        let numeric = header.indices.map { column in
            !rows.isEmpty
                && rows.allSatisfy { row in
                    let cell = row[column]
                    return cell == "-" || cell.first.map { $0.isNumber || $0 == "+" || $0 == "-" } == true
                }
        }
        func cells(_ row: [String], _ tag: String) -> String {
            row.enumerated().map { column, cell in
                "<\(tag)\(numeric[column] ? " class=\"n\"" : "")>\(escape(cell))</\(tag)>"
            }.joined()
        }
        return "<div class=\"scroll\"><table>\n<thead><tr>\(cells(header, "th"))</tr></thead>\n<tbody>\n"
            + rows.map { "<tr>\(cells($0, "td"))</tr>" }.joined(separator: "\n") + "\n</tbody></table></div>"
    }
}

/// Charts drawn as SVG, sized by a view box so that they scale to the page.
enum SVGChart {
    static let width = 720.0
    static let height = 260.0
    static let margin = (left: 56.0, right: 16.0, top: 28.0, bottom: 64.0)

    /// One line of a line chart.
    struct Line {
        var name: String
        var values: [Double?]
        var color: String
        var dashed = false
    }

    /// A line chart over categories (periods), with a legend; a missing value breaks its line.
    static func lines(title: String, categories: [String], lines: [Line], unit: String) -> String {
        let (top, steps) = niceAxis(lines.flatMap { $0.values.compactMap { $0 } }.max() ?? 0)
        let plot = (width: width - margin.left - margin.right, height: height - margin.top - margin.bottom)
        let step = categories.count > 1 ? plot.width / Double(categories.count - 1) : 0
        func x(_ index: Int) -> Double { margin.left + (categories.count > 1 ? Double(index) * step : plot.width / 2) }
        func y(_ value: Double) -> Double { margin.top + plot.height * (1 - value / top) }
        var svg = header(title)
        svg += grid(top: top, steps: steps, unit: unit, y: y)
        let labelEvery = max(1, Int((Double(categories.count) / 12).rounded(.up)))
        for (index, category) in categories.enumerated() where index % labelEvery == 0 {
            svg +=
                "<text x=\"\(format(x(index)))\" y=\"\(format(height - margin.bottom + 16))\" class=\"axis\" "
                + "text-anchor=\"end\" transform=\"rotate(-35 \(format(x(index))) \(format(height - margin.bottom + 16)))\">"
                + "\(HTML.escape(category))</text>\n"
        }
        for line in lines {
            var segments: [[(Double, Double)]] = [[]]
            for (index, value) in line.values.enumerated() {
                if let value { segments[segments.count - 1].append((x(index), y(value))) } else { segments.append([]) }
            }
            for segment in segments where !segment.isEmpty {
                let points = segment.map { "\(format($0.0)),\(format($0.1))" }.joined(separator: " ")
                svg +=
                    "<polyline class=\"series\" fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2\""
                    + (line.dashed ? " stroke-dasharray=\"6 4\"" : "") + " points=\"\(points)\"/>\n"
                for point in segment {
                    svg +=
                        "<circle cx=\"\(format(point.0))\" cy=\"\(format(point.1))\" r=\"2.5\" fill=\"\(line.color)\"/>\n"
                }
            }
        }
        svg += legend(lines.map { ($0.name, $0.color, $0.dashed) })
        return svg + "</svg>"
    }

    /// Horizontal bars of ratios (0…1), one per label, with the ratio written beside each.
    static func ratios(title: String, labels: [String], values: [Double], notes: [String]) -> String {
        let rowHeight = 26.0
        let chartHeight = margin.top + rowHeight * Double(labels.count) + 12
        let left = 150.0
        let plotWidth = width - left - 120
        var svg =
            "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 \(format(width)) \(format(chartHeight))\" "
            + "xmlns=\"http://www.w3.org/2000/svg\" aria-label=\"\(HTML.escape(title))\">\n"
            + "<title>\(HTML.escape(title))</title>\n"
            + "<text x=\"\(format(left))\" y=\"16\" class=\"title\">\(HTML.escape(title))</text>\n"
        for (index, label) in labels.enumerated() {
            let y = margin.top + rowHeight * Double(index)
            let value = min(max(values[index], 0), 1)
            svg +=
                "<text x=\"\(format(left - 8))\" y=\"\(format(y + 16))\" class=\"axis\" text-anchor=\"end\">"
                + "\(HTML.escape(label))</text>\n"
                + "<rect x=\"\(format(left))\" y=\"\(format(y + 4))\" width=\"\(format(plotWidth))\" height=\"16\" class=\"track\"/>\n"
                + "<rect class=\"bar\" x=\"\(format(left))\" y=\"\(format(y + 4))\" width=\"\(format(plotWidth * value))\" "
                + "height=\"16\"/>\n"
                + "<text x=\"\(format(left + plotWidth + 8))\" y=\"\(format(y + 16))\" class=\"axis\">"
                + "\(HTML.escape(notes[index]))</text>\n"
        }
        return svg + "</svg>"
    }

    private static func header(_ title: String) -> String {
        "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 \(format(width)) \(format(height))\" "
            + "xmlns=\"http://www.w3.org/2000/svg\" aria-label=\"\(HTML.escape(title))\">\n"
            + "<title>\(HTML.escape(title))</title>\n"
            + "<text x=\"\(format(margin.left))\" y=\"16\" class=\"title\">\(HTML.escape(title))</text>\n"
    }

    private static func grid(top: Double, steps: Int, unit: String, y: (Double) -> Double) -> String {
        (0...steps).map { tick in
            let value = top * Double(tick) / Double(steps)
            return
                "<line x1=\"\(format(margin.left))\" x2=\"\(format(width - margin.right))\" y1=\"\(format(y(value)))\" "
                + "y2=\"\(format(y(value)))\" class=\"gridline\"/>\n"
                + "<text x=\"\(format(margin.left - 6))\" y=\"\(format(y(value) + 4))\" class=\"axis\" text-anchor=\"end\">"
                + "\(value.plain)\(tick == steps ? " \(unit)" : "")</text>\n"
        }.joined()
    }

    private static func legend(_ entries: [(name: String, color: String, dashed: Bool)]) -> String {
        var x = margin.left
        return entries.map { entry in
            defer { x += 24 + Double(entry.name.count) * 7 + 18 }
            return "<line x1=\"\(format(x))\" x2=\"\(format(x + 20))\" y1=\"\(format(height - 8))\" "
                + "y2=\"\(format(height - 8))\" stroke=\"\(entry.color)\" stroke-width=\"2\""
                + (entry.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>"
                + "<text x=\"\(format(x + 24))\" y=\"\(format(height - 4))\" class=\"axis\">\(HTML.escape(entry.name))</text>\n"
        }.joined()
    }

    /// The axis that reaches `value` with the lowest top: 3 to 5 gridline steps of 1, 2, 2.5 or 5 × 10ⁿ, so
    /// that every gridline is a round number (10, 20, 30, 40, 50 rather than 12.5 or 0.375).
    static func niceAxis(_ value: Double) -> (top: Double, steps: Int) {
        guard value > 0 else { return (1, 4) }
        return (3...5).map { steps -> (top: Double, steps: Int) in
            let least = value / Double(steps)
            let magnitude = pow(10, log10(least).rounded(.down))
            let step = [1, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= least * (1 - 1e-9) } ?? least
            return (step * Double(steps), steps)
        }.min { $0.top < $1.top }!
    }

    static func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}

extension MetricsReport {
    /// The report as one self-contained HTML page: every section's text and tables, a chart of median and
    /// p90 TTD and TTR per period, and one of the detection rate per fault type.
    public var html: String { html(sections) }

    /// The page for `sections`: the report's own, with others (the SLOs) added.
    public func html(_ sections: [ReportSection]) -> String {
        var body = ""
        for (index, section) in sections.enumerated() {
            body +=
                index == 0
                ? "<h1>\(HTML.escape(section.title))</h1>\n" : "<section>\n<h2>\(HTML.escape(section.title))</h2>\n"
            if section.title.hasPrefix("Detection") && !detection.byFaultType.isEmpty {
                body += detectionChart + "\n"
            }
            for block in section.blocks {
                switch block {
                case .text(let text): body += "<p>\(HTML.escape(text))</p>\n"
                case .table(let header, let rows): body += HTML.table(header: header, rows: rows) + "\n"
                case .chart: body += trendChart + "\n"
                case .deployChart(let periods, let deploys, let failures):
                    body +=
                        SVGChart.lines(
                            title: "Deploys and change failures per \(filters.period.rawValue)", categories: periods,
                            lines: [
                                .init(name: "deploys", values: deploys.map(Double.init), color: "#1a7f37"),
                                .init(name: "change failures", values: failures.map(Double.init), color: "#d1242f"),
                            ], unit: "") + "\n"
                }
            }
            if index > 0 { body += "</section>\n" }
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Incident report</title>
            <style>
            \(Self.style)
            </style>
            </head>
            <body>
            <main>
            \(body)</main>
            </body>
            </html>

            """
    }

    /// Median and p90 of TTD and TTR per period, in minutes.
    var trendChart: String {
        let minutes = { (value: Double?) in value.map { $0 / 60 } }
        return SVGChart.lines(
            title: "Time to detect and to recover per \(filters.period.rawValue), minutes",
            categories: trend.map(\.period),
            lines: [
                .init(name: "median TTR", values: trend.map { minutes($0.ttr.median) }, color: "#1f6feb"),
                .init(name: "p90 TTR", values: trend.map { minutes($0.ttr.p90) }, color: "#1f6feb", dashed: true),
                .init(name: "median TTD", values: trend.map { minutes($0.ttd.median) }, color: "#d1242f"),
                .init(name: "p90 TTD", values: trend.map { minutes($0.ttd.p90) }, color: "#d1242f", dashed: true),
            ], unit: "min")
    }

    /// The share of resolved injected failures detected, per fault type.
    var detectionChart: String {
        SVGChart.ratios(
            title: "Injected failures detected, per fault type",
            labels: detection.byFaultType.map { $0.faultType ?? "(none)" },
            values: detection.byFaultType.map(\.rate),
            notes: detection.byFaultType.map { "\($0.detected) of \($0.injected)" })
    }

    static let style = """
        :root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; }
        body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); }
        main { max-width: 960px; margin: 0 auto; padding: 16px; }
        h1 { font-size: 1.6em; margin: 0.2em 0; } h2 { font-size: 1.25em; border-bottom: 1px solid var(--line); }
        .scroll { overflow-x: auto; margin: 0.6em 0; }
        table { border-collapse: collapse; font-size: 0.9em; }
        th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
        th { background: #f6f8fa; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
        svg.chart { width: 100%; height: auto; max-width: 720px; display: block; margin: 0.8em 0; }
        svg .axis { font-size: 11px; fill: var(--muted); } svg .title { font-size: 13px; font-weight: 600; fill: var(--ink); }
        svg .gridline { stroke: var(--line); stroke-width: 1; } svg .bar { fill: #1a7f37; } svg .track { fill: #eef1f4; }
        @media print { main { max-width: none; padding: 0; } section { break-inside: avoid; } .scroll { overflow: visible; } }
        """
}
