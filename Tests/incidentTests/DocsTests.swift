import Foundation
import TestSupport
import Testing

/// The phase pages in docs/ quote figures computed from committed data (game-day exports, the sample); each
/// such block must be what scripts/make_docs.py makes of that data today.
struct DocsTests {
    @Test(.enabled(if: SampleTests.hasPython, "needs python3 to run scripts/make_docs.py"))
    func everyGeneratedBlockInDocsIsUpToDate() async throws {
        let script = try await runProcess(
            "/usr/bin/python3",
            [
                SampleTests.root.appendingPathComponent("scripts/make_docs.py").path, "--check", "--incident",
                CLI.binary.path,
            ])
        #expect(script.status == 0, "\(script.errors)")
    }

    @Test func everyPhasePageIsLinkedFromTheReadme() throws {
        let readme = try String(
            contentsOf: SampleTests.root.appendingPathComponent("README.md"), encoding: .utf8)
        for page in ["phase-1-build", "phase-2-failure", "phase-3-observe", "phase-4-tradeoffs"] {
            #expect(readme.contains("docs/\(page).md"), "README links docs/\(page).md")
            #expect(
                FileManager.default.fileExists(
                    atPath: SampleTests.root.appendingPathComponent("docs/\(page).md").path))
        }
    }
}
