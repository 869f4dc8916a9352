import Foundation
import IncidentKit
import TestSupport
import Testing

/// Decision records: options as written on the command line, the checks, the store, the ADR markdown
/// (golden files) and the postmortem's list of the decisions linked to its incident.
struct DecisionTests {
    static let options = [
        "Plain threshold: time 1 h to set up; cost none; reliability pages within seconds, and on every blip",
        "Multi-window burn rate: time 1 day; cost 7 recording rules per SLO; reliability no false page, 1 min slower",
        "Threshold held 10 min: time 1 h; cost none; reliability quiet, but misses a 2 % error rate",
    ]

    func draft(_ f: StoreFixture, incidents: [Int64] = [], title: String = "Page on multi-window burn rate")
        throws -> DecisionRecord
    {
        DecisionRecord(
            title: title,
            context: "The threshold alert paged four times a week for nothing.\nA 2 % error fault went unseen.",
            options: try Self.options.map(DecisionOption.init(parsing:)), chosen: 2,
            rationale: "No false page in the study, every fault caught; | pipes and <b>tags</b> stay text.",
            consequences: ["A 1 % error trickle takes 30 minutes to page.", "Seven more recording rules per SLO."],
            incidents: incidents, slos: ["app-availability", "app-availability"], revisit: "2027-03-01",
            decidedAt: f.at(90), author: "alice")
    }

    @Test func optionsReadTheirThreeEffectsInAnyOrder() throws {
        let option = try DecisionOption(parsing: "Burn rate:reliability=quiet; cost: none ;time 2 days")
        #expect(option == DecisionOption(name: "Burn rate", time: "2 days", cost: "none", reliability: "quiet"))
        for (text, words) in [
            ("no colon here", "no name before a colon"),
            (": time 1; cost 1; reliability 1", "has no name"),
            ("A: time 1; cost 1", "does not say its effect on reliability"),
            ("A: time 1; price 1; reliability 1", "'price 1', which is none of time, cost, reliability"),
            ("A: time 1; time 2; cost 1; reliability 1", "gives its time twice"),
            ("A: time; cost 1; reliability 1", "gives no text for its time"),
        ] {
            #expect(throws: IncidentError.self) { try DecisionOption(parsing: text) }
            do {
                _ = try DecisionOption(parsing: text)
            } catch let error as IncidentError {
                #expect(error.exitCode == 64 && error.description.contains(words), "\(text): \(error)")
            }
        }
    }

    @Test func aDecisionIsStoredWithItsLinksAndReadBack() async throws {
        let f = try await StoreFixture()
        let first = try await f.open("Checkout returns 502")
        let second = try await f.open("Latency", at: 30)
        let record = try await f.store.addDecision(try draft(f, incidents: [second, first, second]))
        #expect(record.id == 1)
        #expect(record.incidents == [first, second], "sorted, without repeats")
        #expect(record.slos == ["app-availability"])
        #expect(record.status == .accepted && record.choice.name == "Multi-window burn rate")
        #expect(try await f.store.decision(1) == record)
        #expect(try await f.store.decisions(incident: first) == [record])
        #expect(try await f.store.decisions(incident: 99).isEmpty)
        #expect(record.isDue(today: "2027-03-01") && !record.isDue(today: "2027-02-28"))
    }

    @Test func badDecisionsAreRefusedAndChangeNothing() async throws {
        let f = try await StoreFixture()
        var unknown = try draft(f)
        unknown.incidents = [42]
        try await f.expectRefused(66, "no incident #42") { _ = try await f.store.addDecision(unknown) }
        var one = try draft(f)
        one.options = [one.options[0]]
        try await f.expectRefused(64, "at least two options") { _ = try await f.store.addDecision(one) }
        var chosen = try draft(f)
        chosen.chosen = 4
        try await f.expectRefused(64, "--chosen 4 names no option") { _ = try await f.store.addDecision(chosen) }
        var revisit = try draft(f)
        revisit.revisit = "March"
        try await f.expectRefused(64, "the revisit date 'March'") { _ = try await f.store.addDecision(revisit) }
        var slo = try draft(f)
        slo.slos = ["App Availability"]
        try await f.expectRefused(64, "not an SLO name") { _ = try await f.store.addDecision(slo) }
        var blank = try draft(f)
        blank.rationale = "  "
        try await f.expectRefused(64, "reason (--because) is empty") { _ = try await f.store.addDecision(blank) }
        #expect(try await f.store.decisions(incident: nil).isEmpty)
    }

    @Test func supersedingKeepsTheOldRecordAndLinksBoth() async throws {
        let f = try await StoreFixture()
        _ = try await f.store.addDecision(try draft(f))
        var newer = try draft(f, title: "Page on burn rate, ticket on slow burn")
        newer.decidedAt = f.at(100)
        _ = try await f.store.addDecision(newer)
        try await f.expectRefused(64, "cannot supersede itself") {
            _ = try await f.store.supersede(1, by: 1, at: f.at(100))
        }
        try await f.expectRefused(66, "no decision #7") { _ = try await f.store.supersede(1, by: 7, at: f.at(100)) }
        try await f.expectRefused(65, "before it existed") { _ = try await f.store.supersede(1, by: 2, at: f.at(95)) }
        let old = try await f.store.supersede(1, by: 2, at: f.at(100))
        #expect(old.status == .superseded && old.supersededBy == 2 && old.supersededAt == f.at(100))
        #expect(try await f.store.decision(2).supersedes == [1])
        #expect(!old.isDue(today: "2099-01-01"), "a superseded decision is never due")
        try await f.expectRefused(65, "already superseded by #2") {
            _ = try await f.store.supersede(1, by: 2, at: f.at(100))
        }
        _ = try await f.store.addDecision(try draft(f, title: "third"))
        try await f.expectRefused(65, "is itself superseded by #2") {
            _ = try await f.store.supersede(3, by: 1, at: f.at(100))
        }
    }

    @Test func theADRMarkdownMatchesItsGoldenFiles() async throws {
        let f = try await StoreFixture()
        let incident = try await f.open("Checkout returns 502")
        _ = try await f.store.addDecision(try draft(f, incidents: [incident]))
        var newer = try draft(f, title: "Page on burn rate, ticket on slow burn")
        newer.decidedAt = f.at(100)
        newer.consequences = []
        newer.revisit = nil
        newer.slos = []
        _ = try await f.store.addDecision(newer)
        _ = try await f.store.supersede(1, by: 2, at: f.at(120))
        let markdown = try await f.store.decision(1).markdown
        #expect(!markdown.contains("<b>") && markdown.contains("\\| pipes and &lt;b&gt;tags&lt;/b&gt;"))
        try ReportMarkdownTests.expectGolden(markdown, "decision-1.md")
        try ReportMarkdownTests.expectGolden(try await f.store.decision(2).markdown, "decision-2.md")
    }

    @Test func aPostmortemListsTheDecisionsOfItsIncident() async throws {
        let f = try await StoreFixture()
        let incident = try await f.open("Checkout returns 502")
        let other = try await f.open("Other", at: 10)
        _ = try await f.store.addDecision(try draft(f, incidents: [incident]))
        _ = try await f.store.addDecision(try draft(f, incidents: [other], title: "Not this one"))
        let decisions = try await f.store.decisions(incident: incident)
        let markdown = try PostmortemDocument(try await f.store.detail(incident), decisions: decisions).render()
        #expect(
            markdown.contains(
                """
                ## Decisions

                | ADR | decision | chosen | status | revisit |
                | --- | --- | --- | --- | --- |
                | 1 | Page on multi-window burn rate | Multi-window burn rate | accepted | 2027-03-01 |

                ## Lessons learned
                """))
        #expect(!markdown.contains("Not this one"))
        let without = try PostmortemDocument(try await f.store.detail(incident)).render()
        #expect(!without.contains("## Decisions"))
        #expect(without.contains("(`incident action add 1 \"…\" --kind prevent`).\n\n## Lessons learned"))
    }
}
