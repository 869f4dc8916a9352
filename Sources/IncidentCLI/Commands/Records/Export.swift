import ArgumentParser
import Foundation
import IncidentKit

extension IncidentCommand {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write every incident, with its timeline and action items, as JSONL or CSV.",
            discussion: """
                JSONL holds one incident a line, in the shape of `incident show --json`. CSV holds one record a \
                row: an incident row, then its event and action rows (column "record"). Either imports back \
                without loss: export, import into an empty database, and export again gives the same file.

                Example: incident export --format csv --output incidents.csv
                """)

        @Option(help: "jsonl or csv.")
        var format = TransferFormat.jsonl

        @Option(help: ArgumentHelp("The file to write (default: standard output); it is replaced.", valueName: "file"))
        var output: String?

        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let store = try await database.reading()
            let file = try output.map { try OutputFile(path: $0, replacing: true) } ?? OutputFile(standardOutput: ())
            do {
                try await store.export(format) { try file.write($0 + "\n") }
                try file.commit()
            } catch {
                file.discard()
                throw error
            }
        }
    }
}
