import ArgumentParser
import Conventions
import FaultCatalog
import Foundation
import GameDay
import IncidentKit

extension IncidentCommand {
    struct Faults: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "faults",
            abstract: "List the faults in force on the app, with the incident that records each.",
            discussion: """
                With the lab's keeper known (--lab, or $INCIDENT_LAB_URL, which the lab's lab.env sets), the \
                faults from outside the app it holds are listed too, after the app's.

                Warns about a fault in force that no incident of this database records (injected with curl, or \
                by another database), and about an incident whose fault is no longer in force but whose end is \
                not on record (`incident clear ID` records it).

                Example: incident faults --target http://127.0.0.1:8080
                """)

        @Flag(help: "Print the faults as a JSON array.")
        var json = false

        @OptionGroup var target: TargetOptions
        @OptionGroup var database: DatabaseOption

        /// A fault in force, with its incident.
        struct Row: Encodable {
            /// The fault API that holds it: the app's, or the lab keeper's.
            var on: String
            var id: Int
            var fault: String
            var activatedAt: String
            var expiresAt: String
            var incident: Int64?

            enum CodingKeys: String, CodingKey {
                case on, id, fault, incident
                case activatedAt = "activated_at"
                case expiresAt = "expires_at"
            }
        }

        func run() async throws {
            var admins = [try target.admin()]
            if let keeper = try target.keeper() { admins.append(keeper) }
            var rows: [Row] = []
            for admin in admins {
                do {
                    rows += try await list(admin)
                } catch {
                    // The app's faults are listed even when the lab's keeper is gone.
                    guard admin.peer == .keeper, let error = error as? IncidentError else { throw error }
                    StandardError.print("incident: warning: the lab keeper's faults are not listed: \(error)")
                }
            }
            if json {
                try Output.json(rows)
            } else if rows.isEmpty {
                print("no fault is in force on \(admins.map(\.target).joined(separator: " or "))")
            } else {
                Output.table(
                    header: ["fault", "incident", "activated (UTC)", "expires (UTC)", "what"]
                        + (admins.count > 1 ? ["on"] : []),
                    rows: rows.map {
                        ["#\($0.id)", $0.incident.map { "#\($0)" } ?? "NONE", $0.activatedAt, $0.expiresAt, $0.fault]
                            + (admins.count > 1 ? [$0.on] : [])
                    })
            }
        }

        /// The faults in force at `admin`, each with the incident that records it; warns about the faults no
        /// incident records, and the incidents whose fault ended unrecorded.
        private func list(_ admin: AdminClient) async throws -> [Row] {
            let active = try await admin.list()
            let recorded = try await database.reading().injectedFaults(target: admin.target)
            let byFault = Dictionary(
                recorded.map { ($0.incident.faultId!, $0.incident.id!) }, uniquingKeysWith: { first, _ in first })
            let rows = active.map {
                Row(
                    on: admin.target, id: $0.id, fault: $0.spec.text, activatedAt: $0.activatedAt.rfc3339,
                    expiresAt: $0.expiresAt.rfc3339, incident: byFault[Int64($0.id)])
            }
            for row in rows where row.incident == nil {
                StandardError.print(
                    "incident: warning: fault #\(row.id) on \(admin.target) is recorded by no incident of this database; "
                        + "record it with `incident open … --fault \"\(row.fault)\"` or remove it with "
                        + "`curl -X DELETE -H 'Authorization: Bearer …' \(admin.target)/admin/faults/\(row.id)`")
            }
            let inForce = Set(active.map { Int64($0.id) })
            for detail in recorded where !inForce.contains(detail.incident.faultId!) {
                StandardError.print(
                    "incident: note: incident #\(detail.incident.id!) records fault #\(detail.incident.faultId!), no longer "
                        + "in force; `incident clear \(detail.incident.id!)` records how it ended")
            }
            return rows
        }
    }
}
