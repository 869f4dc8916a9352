import Foundation
import TestSupport
import Testing

/// The bundled history must be what the committed script makes, and rich enough to tell its story.
struct SampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let sample = root.appendingPathComponent("incidents.db.sample").path
    static let hasPython = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")

    @Test(.enabled(if: hasPython, "needs python3 to run scripts/make_sample.py"))
    func theScriptRemakesTheCommittedSampleExactly() async throws {
        let cli = try CLI()
        let remade = cli.directory.path("remade.db")
        let script = try await runProcess(
            "/usr/bin/python3",
            [
                Self.root.appendingPathComponent("scripts/make_sample.py").path,
                "--incident", CLI.binary.path, "--output", remade,
            ])
        #expect(script.status == 0, "\(script.errors)")
        let committed = try await cli.run("list", "--json", "--db", Self.sample)
        let again = try await cli.run("list", "--json", "--db", remade)
        #expect(committed.status == 0 && !committed.stdout.isEmpty)
        #expect(committed.stdout == again.stdout, "incidents.db.sample is stale: run scripts/make_sample.py")
    }

    @Test func readingCommandsLeaveTheFileByteForByteUnchanged() async throws {
        let cli = try CLI()
        let copy = cli.directory.path("sample.db")
        try FileManager.default.copyItem(atPath: Self.sample, toPath: copy)
        let before = try Data(contentsOf: URL(fileURLWithPath: copy))
        for command in [
            ["list"], ["show", "31"], ["report", "--json"], ["postmortem", "31"], ["export"],
            ["action", "list"], ["db", "check"], ["db", "backup", cli.directory.path("b.db")],
        ] {
            #expect(try await cli.run(command + ["--db", copy]).status == 0, "\(command)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == before)
    }

    @Test func theSampleCoversEveryFaultDetectionAndOutcome() async throws {
        let cli = try CLI()
        let data = try await #require(cli.run("list", "--json", "--db", Self.sample).stdout.data(using: .utf8))
        let incidents = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        #expect(incidents.count >= 40)
        let starts = incidents.compactMap { $0["started_at"] as? String }.sorted()
        let first = try #require(ISO8601DateFormatter().date(from: starts.first ?? ""))
        let last = try #require(ISO8601DateFormatter().date(from: starts.last ?? ""))
        #expect(last.timeIntervalSince(first) >= 180 * 86400, "at least six months of history")
        #expect(Set(incidents.compactMap { $0["service"] as? String }) == ["app"])
        #expect(Set(incidents.compactMap { $0["kind"] as? String }) == ["injected", "real"])

        let faultTypes = Set(
            incidents.compactMap { ($0["fault"] as? String)?.split(separator: " ").first }.map(String.init))
        #expect(
            faultTypes == [
                "latency", "error", "abort", "hang", "crash", "memory_leak", "cpu_burn",
                "dependency_down", "not_ready", "not_live",
            ])
        let methods = Set(
            incidents.compactMap { ($0["detection"] as? String)?.split(separator: ":").first }.map(String.init))
        #expect(methods == ["alert", "probe", "customer", "manual", "other"])
        #expect(incidents.contains { ($0["detection"] as? String)?.hasPrefix("alert:") == true })
        #expect(
            incidents.contains { $0["kind"] as? String == "injected" && $0["detected_at"] is NSNull },
            "some injected failures went unnoticed")
        #expect(incidents.contains { $0["status"] as? String == "cancelled" })
        #expect(incidents.allSatisfy { $0["status"] as? String != "resolved" || $0["cause_category"] is String })

        let actions = try #require(try await cli.json("action", "list", "--db", Self.sample) as? [[String: Any]])
        #expect(Set(actions.compactMap { $0["status"] as? String }).isSuperset(of: ["open", "done"]))
    }
}
