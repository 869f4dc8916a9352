/// GitHub-flavoured markdown for reports and postmortems, with user text escaped so that it can neither
/// break a table nor inject HTML.
public enum Markdown {
    /// Escapes text for a table cell or a line: markdown punctuation gets a backslash, `<`, `>` and `&`
    /// become entities, line breaks and tabs become spaces, and other control characters their pictures.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "\\", "|", "`", "*", "_", "[", "]", "#", "~", "$": result += "\\\(character)"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "&": result += "&amp;"
            case "\n", "\r", "\r\n", "\t": result += " "
            default:
                if let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1,
                    scalar.properties.generalCategory == .control
                {
                    result.unicodeScalars.append(controlPicture(scalar))
                } else {
                    result.append(character)
                }
            }
        }
        return result
    }

    /// A control character shown, never sent to the terminal: ␛ for ESC, ␇ for BEL, ␡ for DEL (Unicode's
    /// Control Pictures), U+FFFD for the C1 controls.
    static func controlPicture(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar.value {
        case 0..<0x20: Unicode.Scalar(0x2400 + scalar.value)!
        case 0x7F: "\u{2421}"
        default: "\u{FFFD}"
        }
    }

    /// Escapes a multi-line block of prose: like ``escape(_:)`` but keeping its line breaks.
    public static func escapeBlock(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { escape(String($0)) }
            .joined(separator: "\n")
    }

    /// A table; every cell is escaped.
    public static func table(header: [String], rows: [[String]]) -> String {
        func line(_ cells: [String]) -> String { "| " + cells.map(escape).joined(separator: " | ") + " |" }
        return ([line(header), "|" + String(repeating: " --- |", count: header.count)] + rows.map(line))
            .joined(separator: "\n")
    }

    /// A Mermaid `xychart-beta`: bars for deploys, a line for change failures, per period.
    public static func deployChart(periods: [String], deploys: [Int], failures: [Int]) -> String {
        func list(_ values: [Int]) -> String { "[" + values.map(String.init).joined(separator: ", ") + "]" }
        return """
            ```mermaid
            xychart-beta
                title "Deploys (bars) and change failures (line) per period"
                x-axis [\(periods.map { "\"\($0)\"" }.joined(separator: ", "))]
                y-axis "deploys"
                bar \(list(deploys))
                line \(list(failures))
            ```
            """
    }

    /// A Mermaid `xychart-beta`: bars for median TTR, a line for median TTD, in minutes per period.
    public static func trendChart(periods: [String], ttd: [Double], ttr: [Double]) -> String {
        func list(_ values: [Double]) -> String {
            "[" + values.map { String(format: "%.1f", $0) }.joined(separator: ", ") + "]"
        }
        let labels = periods.map { "\"\($0)\"" }.joined(separator: ", ")
        return """
            ```mermaid
            xychart-beta
                title "Median time to recover (bars) and to detect (line), minutes"
                x-axis [\(labels)]
                y-axis "minutes"
                bar \(list(ttr))
                line \(list(ttd))
            ```
            """
    }
}

extension MetricsReport {
    /// The report as GitHub-flavoured markdown with a Mermaid chart of the trend.
    public var markdown: String {
        Markdown.document(sections)
    }
}

extension Markdown {
    /// Report sections as one markdown document: the first section's title is the document's.
    public static func document(_ sections: [ReportSection]) -> String {
        sections.enumerated().map { index, section in
            let heading = (index == 0 ? "# " : "## ") + escape(section.title)
            let blocks = section.blocks.map { block in
                switch block {
                case .text(let text): escape(text)
                case .table(let header, let rows): table(header: header, rows: rows)
                case .chart(let periods, let ttd, let ttr): trendChart(periods: periods, ttd: ttd, ttr: ttr)
                case .deployChart(let periods, let deploys, let failures):
                    deployChart(periods: periods, deploys: deploys, failures: failures)
                }
            }
            return ([heading] + blocks).joined(separator: "\n\n")
        }.joined(separator: "\n\n") + "\n"
    }
}
