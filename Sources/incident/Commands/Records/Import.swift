import ArgumentParser
import IncidentKit

extension IncidentCommand {
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Add the incidents of a JSONL or CSV export, all or nothing.",
            discussion: """
                Every record is checked as the commands would check it (times in order, known severities, text
                limits); if any is bad, nothing is imported and each bad record is reported with its line. Ids are
                kept, so importing into a database that already holds one of them is refused.

                Examples:
                  incident import incidents.jsonl --dry-run
                  incident import incidents.csv --format csv --db restored.db
                """)

        @Argument(help: "The file to read, or - for standard input.")
        var file: String

        @Option(help: "jsonl or csv (default: from the file name, else jsonl).")
        var format: TransferFormat?

        @Flag(help: "Check every record and report what would be imported, without writing.")
        var dryRun = false

        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let lines = try FileLines(path: file)
            defer { lines.close() }
            let format = format ?? (file.lowercased().hasSuffix(".csv") ? .csv : .jsonl)
            let summary = try await database.writing(create: !dryRun) { store in
                try await store.importRecords(lines, as: format, source: file, dryRun: dryRun)
            }
            let counts =
                "\(summary.incidents) incidents, \(summary.events) timeline events, \(summary.actions) action items"
            if dryRun {
                print("dry run: \(file) is valid; it would import \(counts)")
            } else {
                print("imported \(counts) from \(file)")
            }
        }
    }
}
