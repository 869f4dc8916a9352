import ArgumentParser
import Foundation
import IncidentKit

extension IncidentCommand {
    struct DecisionList: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List decision records, oldest first.")

        @Flag(help: "Only the decisions in force whose revisit day is today or past (local time zone, TZ).")
        var due = false

        @Option(help: ArgumentHelp("Only the decisions linked to this incident.", valueName: "id"))
        var incident: Int64?

        @Flag(help: "Print them as a JSON array.")
        var json = false

        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let store = try await database.reading()
            if let incident { _ = try await store.detail(incident) }
            let today = Self.today()
            let decisions = try await store.decisions(incident: incident).filter { !due || $0.isDue(today: today) }
            if json { return try Output.json(decisions) }
            Output.table(
                header: ["id", "status", "decided", "revisit", "chosen", "incidents", "title"],
                rows: decisions.map { decision in
                    [
                        String(decision.id!),
                        decision.status.rawValue + (decision.supersededBy.map { " by #\($0)" } ?? ""),
                        String(decision.decidedAt.description.prefix(10)),
                        (decision.revisit ?? "-") + (decision.isDue(today: today) ? " (due)" : ""),
                        Output.printable(decision.choice.name),
                        decision.incidents.isEmpty ? "-" : decision.incidents.map { "#\($0)" }.joined(separator: " "),
                        Output.printable(decision.title),
                    ]
                })
        }

        /// Today in the local time zone, `YYYY-MM-DD`.
        static func today(now: Date = Date()) -> String {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = .current
            let day = calendar.dateComponents([.year, .month, .day], from: now)
            return String(format: "%04d-%02d-%02d", day.year!, day.month!, day.day!)
        }
    }
}
