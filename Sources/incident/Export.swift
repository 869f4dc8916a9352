import ArgumentParser
import Foundation
import IncidentKit

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every incident, with its timeline and action items, as JSONL or CSV.",
        discussion: """
            JSONL holds one incident a line, in the shape of `incident show --json`. CSV holds one record a
            row: an incident row, then its event and action rows (column "record"). Either imports back
            without loss: export, import into an empty database, and export again gives the same file.

            Example: incident export --format csv --output incidents.csv
            """)

    @Option(help: "jsonl or csv.")
    var format = TransferFormat.jsonl

    @Option(help: ArgumentHelp("The file to write (default: standard output); it is replaced.", valueName: "file"))
    var output: String?

    @OptionGroup var database: DatabaseOption

    func run() throws {
        let store = try database.openForReading()
        guard let output else {
            return try store.export(format) { print($0) }
        }
        let temporary = output + ".incomplete"
        guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
            throw IncidentError.missingFile("cannot write \(temporary): check the directory exists and is writable")
        }
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
        var pending = Data()
        do {
            try store.export(format) { line in
                pending.append(contentsOf: line.utf8)
                pending.append(UInt8(ascii: "\n"))
                if pending.count >= 1 << 20 {
                    try file.write(contentsOf: pending)
                    pending.removeAll(keepingCapacity: true)
                }
            }
            try file.write(contentsOf: pending)
            try file.close()
            guard rename(temporary, output) == 0 else {
                throw IncidentError.missingFile("cannot write \(output): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }
}

extension TransferFormat: ExpressibleByArgument {}
