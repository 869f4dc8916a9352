import GRDB
import Testing

@testable import IncidentKit

/// Incidents and timeline events read and write their columns by hand (for speed): every column of the
/// record must be written, and read back to the same record.
struct RecordColumnsTests {
    static let at = Timestamp(milliseconds: 1_764_000_000_123)

    static var incident: Incident {
        var incident = Incident(
            title: "t", service: "app", severity: .sev2, kind: .injected, fault: "abort", startedAt: at)
        incident.id = 7
        incident.target = "http://127.0.0.1:1"
        incident.faultId = 3
        incident.causedBy = 2
        incident.detectedAt = at.adding(seconds: 1)
        incident.acknowledgedAt = at.adding(seconds: 2)
        incident.mitigatedAt = at.adding(seconds: 3)
        incident.resolvedAt = at.adding(seconds: 4)
        incident.detection = "probe"
        incident.cause = "c"
        incident.causeCategory = "code"
        incident.fix = "f"
        incident.summary = "s"
        incident.impact = "i"
        incident.trigger = "tr"
        incident.lessons = "l"
        incident.cancelled = true
        incident.cancelReason = "r"
        return incident
    }

    @Test func anIncidentWritesEveryColumnAndReadsItselfBack() throws {
        let columns = try Self.incident.databaseDictionary
        #expect(Set(columns.keys) == Set(Incident.CodingKeys.allCases.map(\.rawValue)))
        #expect(columns.values.allSatisfy { !$0.isNull }, "every field was set")
        #expect(try Incident(row: Row(columns)) == Self.incident)
    }

    @Test func aTimelineEventWritesEveryColumnAndReadsItselfBack() throws {
        let event = TimelineEvent(
            id: 9, incidentId: 7, at: Self.at, kind: .detected, text: "x", author: "a",
            recordedAt: Self.at.adding(seconds: 5))
        let columns = try event.databaseDictionary
        #expect(Set(columns.keys) == Set(TimelineEvent.CodingKeys.allCases.map(\.rawValue)))
        #expect(try TimelineEvent(row: Row(columns)) == event)
    }

    @Test func aValueOfAnotherTypeIsAnErrorNotACrash() {
        var columns = try! Self.incident.databaseDictionary
        columns["severity"] = "sev9".databaseValue
        #expect(throws: RowDecodingError.self) { try Incident(row: Row(columns)) }
    }
}
