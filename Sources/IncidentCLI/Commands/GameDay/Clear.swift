import ArgumentParser
import FaultCatalog
import GameDay
import IncidentKit

extension IncidentCommand {
    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clear",
            abstract: "Remove an injected fault from the app, and record it on the incident's timeline.",
            discussion: """
                ID is the incident's id (as `incident inject` printed it), not the app's fault id. A fault that \
                expired by itself is recorded as expired at its end. --all clears every fault this database \
                injected into the target and has not seen end.

                Examples:
                  incident clear 12
                  incident clear --all --target http://127.0.0.1:8080
                """)

        @Argument(help: "The incident id.")
        var id: Int64?

        @Flag(help: "Clear every fault this database injected into --target that has not ended.")
        var all = false

        @OptionGroup var target: TargetOptions
        @OptionGroup var options: WriteOptions

        func validate() throws {
            if all == (id != nil) { throw ValidationError("give an incident id, or --all; one of them") }
        }

        func run() async throws {
            let author = options.author.name
            let target = target
            try await options.database.writing { store in
                let details =
                    if let id { [try await store.detail(id)] } else {
                        try await store.injectedFaults(target: target.url)
                    }
                if all && details.isEmpty {
                    // Asked, not assumed: a dead or wrong target is 69, never "nothing in force".
                    let inForce = try await self.target.admin().list()
                    print(
                        "no fault injected by this database is in force on \(target.url)"
                            + (inForce.isEmpty
                                ? "" : "; the app has \(inForce.count) fault(s) no incident records: `incident faults`")
                    )
                }
                for detail in details {
                    let (fault, _) = try Injection.faultOf(detail)
                    let outside = detail.incident.fault.flatMap { try? FaultSpec(text: $0) }?.action.type.isOutside
                    let (updated, ending) = try await Injection.clear(
                        detail, admin: try self.target.admin(at: fault, peer: outside == true ? .keeper : .app),
                        store: store, by: author)
                    let event = updated.timeline.last { $0.kind == .faultCleared || $0.kind == .faultExpired }
                    print("#\(updated.incident.id!): \(event?.text ?? "\(ending)")")
                }
            }
        }
    }
}
