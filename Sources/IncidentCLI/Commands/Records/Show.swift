import ArgumentParser
import Foundation
import IncidentKit

extension IncidentCommand {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show everything about one incident: fields, durations, timeline and action items.")

        @Argument(help: "The incident id.")
        var id: Int64

        @Flag(help: "Print the incident object as JSON (fields, status, durations, timeline, actions).")
        var json = false

        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let detail = try await database.reading().detail(id)
            if json {
                try Output.json(detail)
            } else {
                Self.describe(detail)
            }
        }

        static func describe(_ detail: IncidentDetail) {
            let incident = detail.incident
            let durations = incident.durations
            print(
                Output.colored("#\(incident.id!) \(Output.printable(incident.title))", "1")
                    + "  [\(Output.styled(incident.status))]")
            let origin = incident.kind == .injected ? "injected" + (incident.fault.map { " (\($0))" } ?? "") : "real"
            print("\(incident.service) · \(incident.severity.rawValue) · \(Output.printable(origin))")
            if let reason = incident.cancelReason { print("cancelled: \(Output.printable(reason))") }
            if let deploy = incident.causedBy { print("caused by deploy #\(deploy) (incident deploy show \(deploy))") }
            print("")
            let detection = incident.detection.map { "via \($0)" } ?? ""
            let rows: [[String]] = [
                ["started", incident.startedAt.description, "", ""],
                [
                    "detected", incident.detectedAt?.description ?? "-", "TTD \(DurationText.human(durations.ttd))",
                    detection,
                ],
                [
                    "acknowledged", incident.acknowledgedAt?.description ?? "-",
                    "TTA \(DurationText.human(durations.tta))", "",
                ],
                [
                    "mitigated", incident.mitigatedAt?.description ?? "-", "TTR \(DurationText.human(durations.ttr))",
                    "",
                ],
                ["resolved", incident.resolvedAt?.description ?? "-", "TTC \(DurationText.human(durations.ttc))", ""],
            ]
            Output.table(header: ["", "time (UTC)", "duration", ""], rows: rows)
            let narrative: [(String, String?)] = [
                ("cause", incident.cause.map { $0 + (incident.causeCategory.map { " [\($0)]" } ?? "") }),
                ("fix", incident.fix), ("summary", incident.summary), ("impact", incident.impact),
                ("trigger", incident.trigger), ("lessons", incident.lessons),
            ]
            for case (let name, let text?) in narrative {
                print("\n\(Output.colored(name, "1"))\n\(Output.printable(text, keepNewlines: true))")
            }
            print("\n" + Output.colored("timeline", "1"))
            Output.table(
                header: ["at (UTC)", "kind", "author", "text"],
                rows: detail.timeline.map {
                    [$0.at.description, $0.kind.rawValue, Output.printable($0.author), Output.printable($0.text)]
                })
            if !detail.actions.isEmpty {
                print("\n" + Output.colored("action items", "1"))
                ActionList.table(detail.actions)
            }
        }
    }
}
