import Conventions
import Foundation
import TestSupport
import Testing

@testable import IncidentKit

/// The records that write their own JSON (`JSONObjectWritable`, for `list --json` and `export`) must write
/// exactly what their `encode(to:)` gives through Foundation's `JSONEncoder.stable`: compared here on random
/// records, pretty and compact, at the top level and as array elements.
struct RecordJSONTests {
    static func text() -> String {
        var random = SystemRandomNumberGenerator()
        return randomText(maxLength: 16, using: &random)
    }

    static func maybe<T>(_ value: () -> T) -> T? { Bool.random() ? value() : nil }

    static func time() -> Timestamp {
        // Whole seconds half the time: the fraction is written only when it is not zero.
        let milliseconds = Int64.random(in: Timestamp.supportedRange.lowerBound.milliseconds...4_102_444_800_000)
        return Timestamp(milliseconds: Bool.random() ? milliseconds / 1000 * 1000 : milliseconds)
    }

    static func incident() -> Incident {
        var incident = Incident(
            title: text(), service: text(), severity: Severity.allCases.randomElement()!,
            kind: IncidentKind.allCases.randomElement()!, fault: maybe { text() },
            startedAt: time())
        incident.id = Int64.random(in: 1...Int64.max)
        incident.target = maybe { text() }
        incident.faultId = maybe { Int64.random(in: .min ... .max) }
        incident.causedBy = maybe { Int64.random(in: 1...99) }
        // Later than the start by up to a year, to the millisecond: durations with every kind of fraction.
        func later() -> Timestamp? {
            Bool.random() ? incident.startedAt.adding(seconds: Double(Int.random(in: 0...31_536_000_000)) / 1000) : nil
        }
        (incident.detectedAt, incident.acknowledgedAt) = (later(), later())
        (incident.mitigatedAt, incident.resolvedAt) = (later(), later())
        incident.detection = maybe { text() }
        incident.cause = maybe { text() }
        incident.causeCategory = maybe { text() }
        incident.fix = maybe { text() }
        incident.summary = maybe { text() }
        incident.impact = maybe { text() }
        incident.trigger = maybe { text() }
        incident.lessons = maybe { text() }
        incident.cancelled = Bool.random()
        incident.cancelReason = maybe { text() }
        return incident
    }

    static func detail() -> IncidentDetail {
        let incident = Self.incident()
        let timeline = (0..<Int.random(in: 0...3)).map { _ in
            TimelineEvent(
                id: Bool.random() ? Int64.random(in: 1...999) : nil,
                incidentId: incident.id!, at: time(), kind: TimelineEventKind.allCases.randomElement()!,
                text: text(), author: text(), recordedAt: time())
        }
        let actions = (0..<Int.random(in: 0...2)).map { _ in
            var action = ActionItem(
                incidentId: incident.id!, title: text(), kind: ActionKind.allCases.randomElement()!,
                owner: maybe { text() }, due: maybe { text() },
                url: maybe { text() }, createdAt: time())
            action.id = maybe { Int64.random(in: 1...999) }
            action.status = ActionStatus.allCases.randomElement()!
            action.closedAt = maybe { time() }
            action.closeReason = maybe { text() }
            return action
        }
        return IncidentDetail(
            incident: incident, timeline: timeline, actions: actions,
            sources: (0..<Int.random(in: 0...2)).map { _ in text() })
    }

    /// The writer's bytes for `value` at the top level and as the elements of an array written one by one
    /// (as `list --json` writes them), each beside Foundation's.
    static func compare(_ values: [some JSONObjectWritable], pretty: Bool) throws {
        let writer = StableJSONWriter(pretty: pretty)
        for value in values {
            let expected = String(decoding: try JSONEncoder.stable(pretty: pretty).encode(value), as: UTF8.self)
            try #require(try writer.text(value) == expected, "\(value)")
        }
        var array = Array((pretty ? "[\n  " : "[").utf8)
        for (index, value) in values.enumerated() {
            if index > 0 { array += Array((pretty ? ",\n  " : ",").utf8) }
            try writer.append(value, to: &array, depth: 1)
        }
        array += Array((pretty ? "\n]" : "]").utf8)
        #expect(
            String(decoding: array, as: UTF8.self)
                == String(decoding: try JSONEncoder.stable(pretty: pretty).encode(values), as: UTF8.self))
    }

    @Test(arguments: [false, true])
    func listingsAndExportsWriteFoundationsBytes(pretty: Bool) throws {
        let details = (0..<500).map { _ in Self.detail() }
        try Self.compare(details, pretty: pretty)
        try Self.compare(details.map { IncidentSummary($0.incident) }, pretty: pretty)
        try Self.compare(details.map(\.incident), pretty: pretty)
        try Self.compare(details.flatMap(\.timeline), pretty: pretty)
        try Self.compare(details.flatMap(\.actions), pretty: pretty)
    }

    @Test func everyFieldIsWritten() throws {
        // A field added to a record's encode(to:) but not to its JSON members would fail the comparison above
        // only when present; this names it.
        let detail = Self.detail()
        let keys = { (value: any Encodable) throws -> Set<String> in
            let data = try JSONEncoder.stable().encode(value)
            return Set((try JSONSerialization.jsonObject(with: data) as! [String: Any]).keys)
        }
        #expect(try keys(detail) == Set(IncidentDetail.jsonMembers.keys))
        #expect(try keys(IncidentSummary(detail.incident)) == Set(IncidentSummary.jsonMembers.keys))
        #expect(try keys(detail.incident) == Set(Incident.jsonMembers.keys))
        #expect(try keys(detail.incident.durations) == Set(Durations.jsonMembers.keys))
        let event = TimelineEvent(
            id: 1, incidentId: 1, at: Self.time(), kind: TimelineEventKind.allCases[0], text: "t", author: "a",
            recordedAt: Self.time())
        #expect(try keys(event) == Set(TimelineEvent.jsonMembers.keys))
        #expect(
            try keys(ActionItem(incidentId: 1, title: "t", createdAt: Self.time())) == Set(ActionItem.jsonMembers.keys))
    }
}
