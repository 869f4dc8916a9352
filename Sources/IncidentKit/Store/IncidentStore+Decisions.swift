import Foundation
import GRDB

extension DecisionRecord {
    /// The record with its texts checked and its links sorted without repeats: a title, context and reason,
    /// at least two options, `chosen` one of them, SLO names as OpenSLO writes them, a revisit day not before
    /// the decision, an author's name.
    public func checked() throws -> DecisionRecord {
        var record = self
        record.title = try Validate.text(title, field: "title")
        record.context = try Validate.text(context, field: "context")
        record.rationale = try Validate.text(rationale, field: "reason (--because)")
        guard options.count >= 2 else {
            throw IncidentError.invalidInput(
                "a decision weighs at least two options; give each with --option \"\(DecisionOption.syntax)\"")
        }
        record.options = try options.map { option in
            DecisionOption(
                name: try Validate.text(option.name, field: "option name"),
                time: try Validate.text(option.time, field: "time of option '\(option.name)'"),
                cost: try Validate.text(option.cost, field: "cost of option '\(option.name)'"),
                reliability: try Validate.text(option.reliability, field: "reliability of option '\(option.name)'"))
        }
        guard (1...options.count).contains(chosen) else {
            throw IncidentError.invalidInput(
                "--chosen \(chosen) names no option; give the number of one of the \(options.count) options, from 1")
        }
        record.consequences = try consequences.map { try Validate.text($0, field: "consequence") }
        record.incidents = Array(Set(incidents)).sorted()
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        for slo in slos where !(1...63).contains(slo.count) || !slo.allSatisfy(allowed.contains) {
            throw IncidentError.invalidInput(
                "the SLO '\(slo)' is not an SLO name (metadata.name of its OpenSLO file: lower-case letters, digits, '-')"
            )
        }
        record.slos = Array(Set(slos)).sorted()
        record.revisit = try revisit.map { try Validate.day($0, field: "revisit date") }
        if let day = record.revisit, day < decidedAt.utcDay {
            throw IncidentError.invalidInput(
                "the revisit date \(day) is before the decision (\(decidedAt.utcDay)); give a later day")
        }
        record.author = try Validate.author(author)
        return record
    }
}

extension IncidentStore: DecisionRepository {
    public func addDecision(_ draft: DecisionRecord) async throws -> DecisionRecord {
        let record = try draft.checked()
        return try await write { db in
            for incident in record.incidents where try !db.exists(Incident.self, id: incident) {
                throw IncidentError.notFound(
                    "no incident #\(incident) to link the decision to; run `incident list` to see the ids that exist")
            }
            guard
                let id: Int64 = try db.value(
                    """
                    INSERT INTO decision (title, context, chosen, rationale, revisit, decided_at, author)
                    VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id
                    """, record.title, record.context, record.chosen, record.rationale, record.revisit,
                    record.decidedAt,
                    record.author)
            else { throw IncidentError.database("internal error: the new decision got no id; please report it") }
            for (position, option) in record.options.enumerated() {
                try db.execute(
                    "INSERT INTO decision_option VALUES (?, ?, ?, ?, ?, ?)", id, position + 1, option.name, option.time,
                    option.cost, option.reliability)
            }
            for (position, text) in record.consequences.enumerated() {
                try db.execute("INSERT INTO decision_consequence VALUES (?, ?, ?)", id, position + 1, text)
            }
            for incident in record.incidents {
                try db.execute("INSERT INTO decision_incident VALUES (?, ?)", id, incident)
            }
            for slo in record.slos {
                try db.execute("INSERT INTO decision_slo VALUES (?, ?)", id, slo)
            }
            return try Self.decision(db, id)
        }
    }

    public func decision(_ id: Int64) async throws -> DecisionRecord {
        try await read { try Self.decision($0, id) }
    }

    public func decisions(incident: Int64? = nil) async throws -> [DecisionRecord] {
        try await read { db in
            let ids: [Int64] =
                if let incident {
                    try db.values(
                        "SELECT decision_id FROM decision_incident WHERE incident_id = ? ORDER BY decision_id",
                        [incident])
                } else {
                    try db.values("SELECT id FROM decision ORDER BY id")
                }
            return try ids.map { try Self.decision(db, $0) }
        }
    }

    public func supersede(_ id: Int64, by replacement: Int64, at: Timestamp) async throws -> DecisionRecord {
        guard id != replacement else {
            throw IncidentError.invalidInput("decision #\(id) cannot supersede itself; --by names the newer decision")
        }
        return try await write { db in
            let old = try Self.decision(db, id)
            let new = try Self.decision(db, replacement)
            if let by = old.supersededBy {
                throw IncidentError.conflict("decision #\(id) was already superseded by #\(by) at \(old.supersededAt!)")
            }
            if new.supersededBy == id {
                throw IncidentError.conflict(
                    "decision #\(replacement) was superseded by #\(id): #\(id) is the newer one, and cannot be replaced by "
                        + "the decision it replaced")
            }
            if let by = new.supersededBy {
                throw IncidentError.conflict(
                    "decision #\(replacement) is itself superseded by #\(by); supersede #\(id) by #\(by) instead")
            }
            guard at >= new.decidedAt else {
                throw IncidentError.conflict(
                    "decision #\(replacement) was decided at \(new.decidedAt), after \(at); it cannot supersede anything "
                        + "before it existed")
            }
            try db.execute("UPDATE decision SET superseded_by = ?, superseded_at = ? WHERE id = ?", replacement, at, id)
            return try Self.decision(db, id)
        }
    }

    static func decision(_ db: any SQLSession, _ id: Int64) throws -> DecisionRecord {
        guard let row = try db.rows("SELECT * FROM decision WHERE id = ?", id).first else {
            throw IncidentError.notFound("no decision #\(id); run `incident decision list` to see the ids that exist")
        }
        let options = try db.rows("SELECT * FROM decision_option WHERE decision_id = ? ORDER BY position", id).map {
            try DecisionOption(name: $0["name"], time: $0["time"], cost: $0["cost"], reliability: $0["reliability"])
        }
        var record = try DecisionRecord(
            title: row["title"], context: row["context"], options: options, chosen: row["chosen"],
            rationale: row["rationale"],
            consequences: try db.values(
                "SELECT text FROM decision_consequence WHERE decision_id = ? ORDER BY position", [id]),
            incidents: try db.values(
                "SELECT incident_id FROM decision_incident WHERE decision_id = ? ORDER BY incident_id", [id]),
            slos: try db.values("SELECT slo FROM decision_slo WHERE decision_id = ? ORDER BY slo", [id]),
            revisit: row["revisit"], decidedAt: row["decided_at"], author: row["author"])
        record.id = id
        record.supersededBy = try row["superseded_by"]
        record.supersededAt = try row["superseded_at"]
        // The record's own rules, which a change outside incident can break and its readers rely on.
        guard record.chosen >= 1 && record.chosen <= options.count else {
            throw UnreadableValue(column: "chosen", value: record.chosen.databaseValue)
        }
        guard (record.supersededBy == nil) == (record.supersededAt == nil) else {
            throw UnreadableValue(column: "superseded_at", value: row["superseded_at"])
        }
        record.supersedes = try db.values("SELECT id FROM decision WHERE superseded_by = ? ORDER BY id", [id])
        return record
    }
}
