import ArgumentParser
import Foundation
import IncidentKit

extension IncidentCommand {
    struct Import: AsyncParsableCommand {
        /// What `import` reads.
        enum Format: String, CaseIterable, ExpressibleByArgument {
            case jsonl, csv, chaostoolkit
        }

        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Add the incidents of an export (JSONL or CSV), or of Chaos Toolkit journals, all or nothing.",
            discussion: """
                An export's records are checked as the commands would check them (times in order, known
                severities, text limits); if any is bad, nothing is imported and each bad record is reported with
                its line. Ids are kept, so importing into a database that already holds one of them is refused.

                --format chaostoolkit reads Chaos Toolkit run journals (`chaos run --journal-path FILE`), one
                injected incident each, with new ids: started at the injection action (the app's activated_at
                when its answer has it), detected via probe when a steady-state probe was not met, mitigated at
                the last rollback's end, resolved at the journal's end. A journal imported before is skipped. A
                journal whose injection the app refused (HTTP 4xx or 5xx) is refused.

                Examples:
                  incident import incidents.jsonl --dry-run
                  incident import incidents.csv --format csv --db restored.db
                  incident import --format chaostoolkit journal-*.json
                """)

        @Argument(help: "The file to read, or - for standard input; several Chaos Toolkit journals.")
        var files: [String]

        @Option(help: "jsonl, csv or chaostoolkit (default: from the file name, else jsonl).")
        var format: Format?

        @Option(help: ArgumentHelp("The service of incidents made from journals.", valueName: "name"))
        var service = "app"

        @Flag(help: "Check every record and report what would be imported, without writing.")
        var dryRun = false

        @OptionGroup var database: DatabaseOption
        @OptionGroup var author: AuthorOption

        func validate() throws {
            if files.isEmpty { throw ValidationError("Missing expected argument '<files> ...'") }
            if files.count > 1 && format != .chaostoolkit {
                throw ValidationError("give one export file; several files are for --format chaostoolkit")
            }
        }

        func run() async throws {
            let format = format ?? (files[0].lowercased().hasSuffix(".csv") ? .csv : .jsonl)
            guard format != .chaostoolkit else { return try await importJournals() }
            let file = files[0]
            let lines = try FileLines(path: file)
            defer { lines.close() }
            let transfer: TransferFormat = format == .csv ? .csv : .jsonl
            let summary = try await database.writing(create: !dryRun) { store in
                try await store.importRecords(lines, as: transfer, source: file, dryRun: dryRun)
            }
            let counts =
                "\(summary.incidents) incidents, \(summary.events) timeline events, \(summary.actions) action items"
            if dryRun {
                print("dry run: \(file) is valid; it would import \(counts)")
            } else {
                print("imported \(counts) from \(file)")
            }
        }

        /// Reads every journal first, so that one bad journal imports none.
        func importJournals() async throws {
            let author = author.name
            let now = Timestamp.now
            let details = try files.map { file in
                let data: Data
                do {
                    data = try Data(contentsOf: URL(fileURLWithPath: file))
                } catch {
                    throw IncidentError.missingFile("cannot read the journal \(file): \(error.localizedDescription)")
                }
                return try ChaosToolkitJournal(data: data, file: file).incident(
                    service: service, author: author, now: now)
            }
            if dryRun { return print("dry run: \(files.count) journal(s) are valid") }
            let summary = try await database.writing { store in try await store.add(details, now: now) }
            if !summary.added.isEmpty {
                print(
                    "imported \(summary.added.count) journal(s) as incident(s) \(summary.added.map { "#\($0)" }.joined(separator: ", "))"
                )
            }
            if !summary.known.isEmpty {
                print(
                    "skipped \(summary.known.count) journal(s) imported before, as \(summary.known.map { "#\($0)" }.joined(separator: ", "))"
                )
            }
        }
    }
}
