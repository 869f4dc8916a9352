import Foundation
import IncidentKit
import TestSupport
import Testing

struct PostmortemTests {
    func sampleDetail(_ id: Int64) async throws -> IncidentDetail {
        let directory = try TemporaryDirectory()
        let copy = directory.path("sample.db")
        try FileManager.default.copyItem(atPath: ReportMarkdownTests.sample.path, toPath: copy)
        return try await IncidentStore.open(path: copy, ifMissing: .fail).detail(id)
    }

    @Test func aCompletePostmortemMatchesItsGoldenFile() async throws {
        let document = PostmortemDocument(try await sampleDetail(31))
        #expect(document.missing.isEmpty)
        try ReportMarkdownTests.expectGolden(try document.render(), "postmortem-31.md")
    }

    @Test func anOpenIncidentShowsTODOPlaceholders() async throws {
        let document = PostmortemDocument(try await sampleDetail(42))
        #expect(
            document.missing == [
                "resolution (the incident is not resolved)", "summary", "impact", "root cause",
                "trigger", "fix", "lessons", "action items",
            ])
        let markdown = try document.render()
        #expect(markdown.components(separatedBy: "**TODO:**").count - 1 == 7)
        try ReportMarkdownTests.expectGolden(markdown, "postmortem-42.md")
    }

    @Test func anUndetectedInjectedFailureSaysSo() async throws {
        let markdown = try PostmortemDocument(try await sampleDetail(1)).render()
        #expect(markdown.contains("**Never detected**"))
        #expect(markdown.contains("The failure was injected on purpose (fault: latency ms=800 jitter\\_ms=200"))
        #expect(markdown.contains("Undetected (TTD) : 2026-05-04 14:00:00, 2026-05-04 14:45:00"))
    }

    @Test func userTextIsEscapedInEveryField() async throws {
        let f = try await StoreFixture()
        let id = try await f.store.open(
            Incident(title: "a | b `c` <script>x</script>\n# not a heading", startedAt: f.at(0)),
            by: "<b>eve</b>", now: f.now
        ).incident.id!
        let markdown = try PostmortemDocument(try await f.store.detail(id)).render()
        #expect(markdown.hasPrefix("# Postmortem: a \\| b \\`c\\` &lt;script&gt;x&lt;/script&gt; \\# not a heading\n"))
        #expect(markdown.contains("| Authors | &lt;b&gt;eve&lt;/b&gt; |"))
        #expect(!markdown.contains("<script>") && !markdown.contains("<b>"))
    }

    @Test func aCustomTemplateSeesEveryField() async throws {
        let document = PostmortemDocument(try await sampleDetail(31))
        let rendered = try document.render(template: "{{{title}}}|{{ttd}}|{{#actions}}{{id}},{{/actions}}|{{complete}}")
        #expect(rendered == "API answers 503: connection pool exhausted again|2m00s|14,15,|true")
        #expect(throws: IncidentError.self) { try document.render(template: "{{#open}} never closed") }
    }
}
