import ArgumentParser
import Conventions
import Foundation
import IncidentKit

extension IncidentCommand {
    struct Import: AsyncParsableCommand {
        /// What `import` reads.
        enum Format: String, CaseIterable, CaseFoldedArgument {
            case jsonl, csv, chaostoolkit
            case ghRuns = "gh-runs"
            case ghDeployments = "gh-deployments"
        }

        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract:
                "Add the records of an export (JSONL or CSV), Chaos Toolkit journals, GitHub Actions runs or GitHub "
                + "deployments, all or nothing.",
            discussion: """
                An export's records are checked as the commands would check them (times in order, known \
                severities, text limits); if any is bad, nothing is imported and each bad record is reported with \
                its line. Ids are kept, so importing into a database that already holds one of them is refused.

                --format chaostoolkit reads Chaos Toolkit run journals (`chaos run --journal-path FILE`), one \
                injected incident each, with new ids: started at the injection action (the app's activated_at \
                when its answer has it), detected via probe when a steady-state probe was not met, mitigated at \
                the last rollback's end, resolved at the journal's end. A journal imported before is skipped. A \
                journal whose injection the app refused (HTTP 4xx or 5xx) is refused.

                --format gh-runs reads the runs of GitHub Actions workflows, as `gh run list --limit 200 \
                --json FIELDS > runs.json` prints them, FIELDS being these, joined by commas: \
                \(GitHubRunList.fields.joined(separator: ", ")). Each unbroken streak of failed runs (failure, \
                timed_out, startup_failure) of one workflow on one \
                branch is one incident of the service ci/WORKFLOW: started when its first failing run was created, \
                detected via pipeline when that run failed, mitigated and resolved when the next successful run \
                finished. Cancelled, skipped and other runs neither start nor end a streak; unfinished runs are \
                ignored. A run imported before is skipped, so an overlapping export adds only what is new, and can \
                resolve a streak the previous import left failing. `[gameday]` in a run's title records its streak \
                as injected.

                --format gh-deployments reads a repository's deployments, as `gh api \
                repos/OWNER/REPO/deployments` prints them, each with a "statuses" array (what `gh api \
                repos/OWNER/REPO/deployments/ID/statuses` prints) and optionally "committed_at", as deploys of \
                --service. Production deployments only; each ends at its newest success (succeeded), failure or \
                error (failed) status; one without such a status is left out. A deployment imported before is \
                skipped.

                Examples:
                  incident import incidents.jsonl --dry-run
                  incident import incidents.csv --format csv --db restored.db
                  incident import --format chaostoolkit journal-*.json
                  incident import --format gh-runs runs.json
                  incident import --format gh-deployments deployments.json --service app
                """)

        @Argument(help: "The file to read, or - for standard input; several Chaos Toolkit journals or run lists.")
        var files: [String]

        @Option(help: "jsonl, csv, chaostoolkit, gh-runs or gh-deployments (default: from the file name, else jsonl).")
        var format: Format?

        @Option(help: ArgumentHelp("The service of incidents made from journals, and of deploys.", valueName: "name"))
        var service = "app"

        @Flag(help: "Check every record and report what would be imported, without writing.")
        var dryRun = false

        @OptionGroup var database: DatabaseOption
        @OptionGroup var author: AuthorOption

        func validate() throws {
            if files.isEmpty { throw ValidationError("Missing expected argument '<files> ...'") }
            if files.count > 1 && [nil, .jsonl, .csv].contains(format) {
                throw ValidationError(
                    "give one export file; several files are for --format chaostoolkit, gh-runs or gh-deployments")
            }
        }

        func run() async throws {
            let format = format ?? (files[0].lowercased().hasSuffix(".csv") ? .csv : .jsonl)
            if format == .chaostoolkit { return try await importJournals() }
            if format == .ghRuns { return try await importRuns() }
            if format == .ghDeployments { return try await importDeployments() }
            let file = files[0]
            let lines = try FileLines(path: file)
            defer { lines.close() }
            let transfer: TransferFormat = format == .csv ? .csv : .jsonl
            let summary = try await database.writing(create: !dryRun) { store in
                try await store.importRecords(lines, as: transfer, source: file, dryRun: dryRun)
            }
            let counts =
                (summary.deploys == 0 ? [] : [counted(summary.deploys, "deploy")])
                + [
                    counted(summary.incidents, "incident"), counted(summary.events, "timeline event"),
                    counted(summary.actions, "action item"),
                ]
            let knownRecords = [(summary.knownDeploys, "deploy"), (summary.known, "incident")].filter { $0.0 > 0 }
            let known =
                knownRecords.isEmpty
                ? ""
                : "; \(knownRecords.map { counted($0, $1) }.joined(separator: " and ")) imported before, left as they are"
            if summary.incidents + summary.deploys == 0 && !knownRecords.isEmpty {
                let total = summary.known + summary.knownDeploys
                let noun = knownRecords.count == 2 ? "record" : knownRecords[0].1
                let all = total == 1 ? "the \(noun) in \(file) was" : "the \(total) \(noun)s in \(file) were"
                print("nothing to import: \(all) imported before, unchanged")
            } else {
                print(
                    dryRun
                        ? "dry run: \(file) is valid; it would import \(counts.joined(separator: ", "))\(known)"
                        : "imported \(counts.joined(separator: ", ")) from \(file)\(known)")
            }
        }

        /// Reads every journal first, so that one bad journal imports none.
        func importJournals() async throws {
            let author = author.name
            let now = Timestamp.now
            let details = try files.map { file in
                try ChaosToolkitJournal(data: Self.contents(of: file), file: file).incident(
                    service: service, author: author, now: now)
            }
            if dryRun { return print("dry run: \(files.count) journal(s) are valid") }
            let summary = try await database.writing { store in try await store.add(details, now: now) }
            if !summary.added.isEmpty {
                print(
                    "imported \(counted(summary.added.count, "journal")) as "
                        + "\(summary.added.count == 1 ? "incident" : "incidents") \(summary.added.map { "#\($0)" }.joined(separator: ", "))"
                )
            }
            if !summary.known.isEmpty {
                print(
                    "skipped \(counted(summary.known.count, "journal")) imported before, as \(summary.known.map { "#\($0)" }.joined(separator: ", "))"
                )
            }
        }

        /// Reads every run list first, so that one bad run imports none, then records the runs.
        func importRuns() async throws {
            let now = Timestamp.now
            var runs: [PipelineRun] = []
            var unfinished = 0
            for file in files {
                let list = try GitHubRunList(data: Self.contents(of: file), file: file, now: now)
                runs += list.runs
                unfinished += list.unfinished
            }
            let pipelines = Set(runs.map { "\($0.service) \($0.branch)" }).count
            let read = "\(runs.count) finished run(s) of \(pipelines) pipeline(s) (workflow and branch)"
            let ignored = unfinished == 0 ? "" : "; \(unfinished) unfinished run(s) ignored"
            if dryRun { return print("dry run: \(files.joined(separator: ", ")) hold \(read)\(ignored)") }
            let author = author.name
            let outcomes = try await database.writing { store in
                try await store.recordRuns(runs, by: author, now: now)
            }
            print("read \(read) from \(files.joined(separator: ", "))\(ignored)")
            for line in Self.summary(of: outcomes) { print(line) }
        }

        /// Reads every deployment list first, so that one bad deployment imports none, then adds the deploys.
        func importDeployments() async throws {
            _ = try Validate.service(service)  // once, rather than as a problem of every deployment
            let now = Timestamp.now
            var deploys: [Deploy] = []
            var ignored: [String] = []
            for file in files {
                let list = try GitHubDeploymentList(
                    data: Self.contents(of: file), file: file, service: service, author: author.name, now: now)
                deploys += list.deploys
                if list.unfinished > 0 { ignored.append("\(list.unfinished) unfinished") }
                if list.otherEnvironments > 0 { ignored.append("\(list.otherEnvironments) to other environments") }
            }
            let read = "\(counted(deploys.count, "finished production deployment")) of \(service)"
            let skipped = ignored.isEmpty ? "" : "; ignored \(ignored.joined(separator: ", "))"
            if dryRun { return print("dry run: \(files.joined(separator: ", ")) hold \(read)\(skipped)") }
            let summary = try await database.writing { store in try await store.addDeploys(deploys, now: now) }
            print("read \(read) from \(files.joined(separator: ", "))\(skipped)")
            if !summary.added.isEmpty {
                print("recorded deploys \(summary.added.map { "#\($0)" }.joined(separator: ", "))")
            }
            if !summary.known.isEmpty {
                print("skipped \(counted(summary.known.count, "deployment")) imported before")
            }
        }

        /// What recording runs did: a line for the incidents it changed and one for the runs it skipped, each
        /// left out when empty.
        static func summary(of outcomes: [PipelineRunOutcome]) -> [String] {
            func incidents(_ effects: PipelineRunOutcome.Effect...) -> [Int64] {
                var seen = Set<Int64>()
                return outcomes.filter { effects.contains($0.effect) }.compactMap(\.incident).filter {
                    seen.insert($0).inserted
                }
            }
            let resolved = incidents(.resolved)
            let changes = [
                ("opened", incidents(.opened)), ("added runs to", incidents(.added)), ("resolved", resolved),
                ("still failing", incidents(.opened, .added).filter { !resolved.contains($0) }),
            ].filter { !$0.1.isEmpty }.map { "\($0) \($1.map { "#\($0)" }.joined(separator: ", "))" }
            let skipped = [
                (PipelineRunOutcome.Effect.known, "recorded before"),
                (.older, "older than the newest run recorded for their pipeline"),
            ].compactMap { effect, reason in
                let count = outcomes.count { $0.effect == effect }
                return count == 0 ? nil : "\(count) run(s) \(reason)"
            }
            return (changes.isEmpty ? [] : [changes.joined(separator: "; ")])
                + (skipped.isEmpty ? [] : ["skipped " + skipped.joined(separator: " and ")])
        }

        /// The bytes of `file`, or of standard input for `-`.
        static func contents(of file: String) throws -> Data {
            if file == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
            do {
                return try Data(contentsOf: URL(fileURLWithPath: file))
            } catch {
                throw IncidentError.missingFile("cannot read \(file): \(plainReason(error, path: file))")
            }
        }
    }
}
