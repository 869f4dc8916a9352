import ArgumentParser
import Foundation
import IncidentKit

extension IncidentCommand {
    struct CIRecord: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "record",
            abstract: "Record this GitHub Actions run: a failure opens its pipeline's incident, a success resolves it.",
            discussion: """
                Meant for the last job or step of a workflow, one that always runs (`if: always()`). It reads the \
                run from the variables every GitHub Actions job has,
                  \(PipelineRun.gitHubVariables.joined(separator: " "))
                (and GITHUB_HEAD_REF for a pull request, GITHUB_EVENT_PATH for its title), and does what \
                `incident import --format gh-runs` does with the same run: a failure on a \
                workflow and branch with no open pipeline incident opens one (service ci/WORKFLOW, detected via \
                pipeline now), a further failure or a cancelled run joins it, and a success resolves it (time to \
                green). A run recorded before is skipped, also when a later import reads it again.

                Example (a job that needs the others):
                  incident ci record --result "$RESULT" --started-at "$STARTED_AT"
                """)

        /// How the run ended.
        enum Result: String, CaseIterable, CaseFoldedArgument {
            case success, failure, cancelled

            var conclusion: PipelineConclusion {
                switch self {
                case .success: .success
                case .failure: .failure
                case .cancelled: .cancelled
                }
            }
        }

        @Option(help: "How the run ended: success, failure or cancelled.")
        var result: Result

        @Option(
            parsing: .unconditional,
            help: ArgumentHelp(
                "When the run started, the start of a streak it opens: \(TimeInput.help) (default: now).",
                valueName: "time"))
        var startedAt: String?

        @Option(help: "The run's title (default: the pull request's title or the head commit's first line).")
        var title: String?

        @OptionGroup var options: WriteOptions

        func run() async throws {
            let now = options.now
            let started = try options.time(startedAt)
            guard started <= now else {
                throw IncidentError.invalidInput("--started-at \(started) is after now (\(now)); check it and TZ")
            }
            let run = try PipelineRun(
                gitHubActions: ProcessInfo.processInfo.environment, conclusion: result.conclusion, createdAt: started,
                finishedAt: now, title: title)
            let author = options.author.name
            let outcomes = try await options.database.writing { store in
                try await store.recordRuns([run], by: author, now: now)
            }
            print(Self.text(of: outcomes[0]))
        }

        /// One line saying what recording the run did.
        static func text(of outcome: PipelineRunOutcome) -> String {
            let run = outcome.run
            let pipeline = "\(run.workflow) on \(run.branch)"
            let incident = "incident #\(outcome.incident ?? 0)"
            return switch outcome.effect {
            case .opened: "opened \(incident): \(pipeline) is failing (run \(run.id) attempt \(run.attempt))"
            case .added: "added run \(run.id) (\(run.conclusion.rawValue)) to \(incident): \(pipeline) is still failing"
            case .resolved: "resolved \(incident): \(pipeline) is green again"
            case .unrecorded: "nothing to record: \(pipeline) has no failing streak open"
            case .known: "run \(run.id) attempt \(run.attempt) was recorded before, on \(incident)"
            case .older: "skipped: run \(run.id) is older than the newest run recorded for \(pipeline)"
            }
        }
    }
}
