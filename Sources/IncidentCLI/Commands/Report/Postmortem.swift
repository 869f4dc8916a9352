import ArgumentParser
import Conventions
import Foundation
import IncidentKit

extension IncidentCommand {
    struct Postmortem: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "postmortem",
            abstract: "Write the markdown postmortem of an incident.",
            discussion: """
                Follows the Google SRE structure: summary, impact, timing, detection, root cause and trigger, \
                resolution, action items, lessons learned, the full timeline and a Mermaid chart of the phases. \
                Missing parts show as TODO placeholders; --check lists them and exits 1 while any is missing, so a \
                team can gate on it. --template takes a Mustache file; --print-template shows the built-in one.

                Examples:
                  incident postmortem 12 --output postmortems/12.md
                  incident postmortem 12 --output postmortems/12.md --force
                  incident postmortem 12 --check
                """)

        @Argument(help: "The incident id.")
        var id: Int64?

        @Option(help: ArgumentHelp("A Mustache template to render instead of the built-in one.", valueName: "file"))
        var template: String?

        @Option(
            help: ArgumentHelp(
                "The file to write (default: standard output); an existing file is kept unless --force.",
                valueName: "file"))
        var output: String?

        @Flag(help: "Replace the --output file if it exists (it may hold hand-written parts).")
        var force = false

        @Flag(help: "List what the postmortem still lacks; exit 1 if anything does.")
        var check = false

        @Flag(help: "Print the built-in template and exit.")
        var printTemplate = false

        @OptionGroup var database: DatabaseOption

        func validate() throws {
            if !printTemplate && id == nil { throw ValidationError("Missing expected argument '<id>'") }
            if check && (output != nil || printTemplate) {
                throw ValidationError(
                    "--check only lists what is missing and writes nothing; drop --\(printTemplate ? "print-template" : "output")"
                )
            }
        }

        func run() async throws {
            if printTemplate {
                return print(PostmortemDocument.builtInTemplate, terminator: "")
            }
            let store = try await database.reading()
            let detail = try await store.detail(id!)
            var deploy: Deploy?
            if let cause = detail.incident.causedBy { deploy = try await store.deploy(cause).deploy }
            let document = PostmortemDocument(
                detail, decisions: try await store.decisions(incident: id!), deploy: deploy)
            if check {
                let missing = document.missing
                guard missing.isEmpty else {
                    print("postmortem of #\(id!) is incomplete; missing:")
                    for part in missing { print("  - \(part)") }
                    throw ExitCode(1)
                }
                return print("postmortem of #\(id!) is complete")
            }
            let text = try template.map { path in
                do {
                    return try String(contentsOfFile: path, encoding: .utf8)
                } catch {
                    throw IncidentError.missingFile(
                        "cannot read the template \(path): \(plainReason(error, path: path))")
                }
            }
            let markdown = try document.render(template: text)
            guard let output else { return print(markdown, terminator: "") }
            try OutputFile.write(markdown, to: output, replacing: force)
        }
    }
}
