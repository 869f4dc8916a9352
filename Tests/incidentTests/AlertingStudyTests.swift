import Foundation
import Testing

/// The alerting study (scripts/alerting-study.py) is run by hand, not in CI, since it takes the better part of
/// an hour; CI checks that what it committed is whole: both tables parse, every fault was measured for every
/// strategy, and the chart is there.
struct AlertingStudyTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/tradeoffs")

    /// The rows of the markdown table between `<!-- study:NAME -->` and `<!-- /study:NAME -->`, split into
    /// cells; the header and separator are checked and dropped.
    static func table(_ name: String, in text: String, header: [String]) throws -> [[String]] {
        let start = try #require(text.range(of: "<!-- study:\(name) -->\n"), "no table \(name)")
        let end = try #require(text.range(of: "<!-- /study:\(name) -->"), "table \(name) is not closed")
        let lines = text[start.upperBound..<end.lowerBound].split(separator: "\n").map { line in
            line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
        try #require(lines.count > 2, "table \(name) has no rows")
        #expect(lines[0] == header, "the header of table \(name)")
        #expect(lines[1].allSatisfy { $0 == "---" })
        return Array(lines.dropFirst(2))
    }

    /// A lab duration in seconds, or `-` when there is none (a missed fault).
    static func seconds(_ cell: String) -> Bool { cell == "-" || Double(cell).map { $0 >= 0 } == true }

    @Test func theCommittedStudyParses() throws {
        let text = try String(contentsOf: Self.folder.appendingPathComponent("alerting.md"), encoding: .utf8)
        let rows = try Self.table(
            "table", in: text,
            header: [
                "strategy", "fault", "runs", "missed", "detected after (lab s)", "detected after (production)",
                "notified after (lab s)", "reset after (lab s)", "reset after (production)", "firings during the fault",
            ])
        var strategiesByFault: [String: Set<String>] = [:]
        for row in rows {
            try #require(row.count == 10, "\(row)")
            let (runs, missed) = (try #require(Int(row[2])), try #require(Int(row[3])))
            #expect(runs >= 1 && (0...runs).contains(missed), "\(row)")
            #expect([row[4], row[6], row[7]].allSatisfy(Self.seconds), "\(row)")
            #expect((row[4] == "-") == (missed == runs), "a time to detect unless every run missed it: \(row)")
            #expect(Int(row[9]) != nil, "\(row)")
            strategiesByFault[row[1], default: []].insert(row[0])
        }
        #expect(strategiesByFault.count >= 4, "several fault intensities: \(strategiesByFault.keys.sorted())")
        #expect(strategiesByFault.values.allSatisfy { $0.count >= 5 }, "every strategy on every fault")
        let alarms = try Self.table(
            "false-alarms", in: text,
            header: ["strategy", "alerts fired", "seconds firing", "notifications sent"])
        #expect(alarms.count >= 5)
        #expect(alarms.allSatisfy { $0.count == 4 && $0.dropFirst().allSatisfy { Int($0) != nil } }, "\(alarms)")
        let chart = try String(contentsOf: Self.folder.appendingPathComponent("alerting.svg"), encoding: .utf8)
        #expect(chart.hasPrefix("<svg") && chart.contains("</svg>"))
        #expect(text.contains("## Decision"), "the study ends in a decision record")
    }
}
