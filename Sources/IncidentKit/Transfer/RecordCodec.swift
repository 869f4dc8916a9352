import Conventions
import Foundation

/// Turns incidents into lines of JSONL or CSV and back, through their `Codable` shapes, so that both formats
/// carry exactly the fields of `incident show --json`.
struct RecordCodec {
    private let encoder = JSONEncoder.stable()
    /// Writes what `encoder` writes, faster: export's lines.
    private let writer = StableJSONWriter()
    private let decoder = JSONDecoder()

    /// The line that holds `deploy` in `format`, without its newline: `{"deploy": {…}}` in JSONL, a `deploy`
    /// row in CSV.
    func line(of deploy: Deploy, as format: TransferFormat) throws -> String {
        switch format {
        case .jsonl: try writer.text([TransferLine.deployKey: deploy])
        case .csv: try csvRow("deploy", deploy)
        }
    }

    /// The lines that hold `detail` in `format`, without their newlines.
    func lines(of detail: IncidentDetail, as format: TransferFormat) throws -> [String] {
        switch format {
        case .jsonl:
            return [try writer.text(detail)]
        case .csv:
            return try [csvRow("incident", detail.incident)] + detail.timeline.map { try csvRow("event", $0) }
                + detail.actions.map { try csvRow("action", $0) }
                + detail.sources.map { try csvRow("source", SourceRow(incidentId: detail.incident.id ?? 0, text: $0)) }
        }
    }

    private func csvRow(_ record: String, _ value: some Encodable) throws -> String {
        let object = try JSONSerialization.jsonObject(with: encoder.encode(value)) as? [String: Any] ?? [:]
        return CSV.line(
            CSV.columns.map { column in
                switch (column, object[column]) {
                case ("record", _): record
                case (_, let text as String): text
                case ("cancelled", let number as NSNumber): number.boolValue ? "true" : "false"
                case (_, let number as NSNumber): String(number.int64Value)
                default: ""
                }
            })
    }

    /// Reads the records (incidents and deploys) in `lines`, calling `handle` with the line each starts on and
    /// the record, or what is wrong with it. Blank lines are skipped; a line that is not UTF-8 is an error of
    /// its own.
    func records(
        in lines: some Sequence<(number: Int, text: String?)>, as format: TransferFormat,
        _ handle: (Int, Result<TransferRecord, IncidentError>) throws -> Void
    ) throws {
        var text: [(number: Int, text: String)] = []
        func readable(_ line: (number: Int, text: String?)) throws -> (number: Int, text: String)? {
            guard let content = line.text else {
                try handle(line.number, .failure(.invalidInput("the line is not valid UTF-8 text")))
                return nil
            }
            return (line.number, content)
        }
        switch format {
        case .jsonl:
            for line in lines {
                guard let (number, content) = try readable(line), !content.allSatisfy(\.isWhitespace) else { continue }
                if let detail = IncidentDetail.exported(content) {
                    try handle(number, .success(.incident(detail)))
                } else {
                    try handle(number, decode(TransferLine.self, from: Data(content.utf8)).map(\.record))
                }
            }
        case .csv:
            for line in lines { if let readable = try readable(line) { text.append(readable) } }
            try csvDetails(in: text, handle)
        }
    }

    private func csvDetails(
        in lines: some Sequence<(number: Int, text: String)>,
        _ handle: (Int, Result<TransferRecord, IncidentError>) throws -> Void
    ) throws {
        var columns: [String]?
        var current: (line: Int, detail: Result<IncidentDetail, IncidentError>)?
        func flush() throws {
            if let current { try handle(current.line, current.detail.map(TransferRecord.incident)) }
            current = nil
        }
        for (number, fields) in CSV.records(in: lines) {
            guard let header = columns else {
                guard fields.first == "record" else {
                    return try handle(
                        number,
                        .failure(
                            .invalidInput(
                                "the first line must be the header written by `incident export --format csv`")))
                }
                if let unknown = fields.first(where: { !CSV.columns.contains($0) }) {
                    return try handle(number, .failure(.invalidInput("unknown column '\(unknown)' in the header")))
                }
                // A header written before deploys existed lacks every later column; one that lacks some lost them.
                let later = CSV.laterColumns.allSatisfy { !fields.contains($0) } ? CSV.laterColumns : []
                if let missing = CSV.columns.first(where: { !fields.contains($0) && !later.contains($0) }) {
                    return try handle(
                        number,
                        .failure(
                            .invalidInput(
                                "the header has no column '\(missing)'; every column "
                                    + "`incident export --format csv` writes must be there")))
                }
                columns = fields
                continue
            }
            guard fields.count == header.count else {
                try flush()
                try handle(
                    number, .failure(.invalidInput("\(fields.count) fields where the header has \(header.count)")))
                continue
            }
            var object: [String: Any] = [:]
            for (column, text) in zip(header, fields).dropFirst() where !text.isEmpty {
                switch column {
                case "id", "incident_id", "fault_id", "caused_by": object[column] = Int64(text) ?? text as Any
                case "cancelled": object[column] = ["true": true, "false": false][text] ?? text as Any
                default: object[column] = text
                }
            }
            let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
            switch fields[0] {
            case "incident":
                try flush()
                current = (
                    number,
                    decode(Strict<Incident>.self, from: data).map {
                        IncidentDetail(incident: $0.record, timeline: [], actions: [])
                    }
                )
            case "deploy":
                try flush()
                try handle(number, decode(Strict<Deploy>.self, from: data).map { .deploy($0.record) })
            case "event", "action", "source":
                guard case .success(var detail)? = current?.detail else {
                    if current == nil {
                        try handle(number, .failure(.invalidInput("an \(fields[0]) row before any incident row")))
                    }
                    continue
                }
                if fields[0] == "source" {
                    switch decode(Strict<SourceRow>.self, from: data) {
                    case .success(let source) where source.record.incidentId == detail.incident.id:
                        detail.sources.append(source.record.text)
                    case .success:
                        current?.detail = .failure(.invalidInput("a source row of another incident"))
                        continue
                    case .failure(let error):
                        current?.detail = .failure(error)
                        continue
                    }
                } else if fields[0] == "event" {
                    switch decode(Strict<TimelineEvent>.self, from: data) {
                    case .success(let event): detail.timeline.append(event.record)
                    case .failure(let error):
                        current?.detail = .failure(error)
                        continue
                    }
                } else {
                    switch decode(Strict<ActionItem>.self, from: data) {
                    case .success(let action): detail.actions.append(action.record)
                    case .failure(let error):
                        current?.detail = .failure(error)
                        continue
                    }
                }
                current?.detail = .success(detail)
            default:
                try flush()
                try handle(
                    number,
                    .failure(
                        .invalidInput("unknown record '\(fields[0])'; use deploy, incident, event, action or source")))
            }
        }
        try flush()
    }

    private func decode<T: Decodable>(_: T.Type, from data: Data) -> Result<T, IncidentError> {
        do {
            return .success(try decoder.decode(T.self, from: data))
        } catch let error as DecodingError {
            return .failure(.invalidInput(Self.describe(error)))
        } catch {
            return .failure(.invalidInput("cannot read the record: \(error)"))
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func field(_ path: [any CodingKey]) -> String {
            path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field \(field(context.codingPath + [key]))"
        case .valueNotFound(_, let context):
            return "field \(field(context.codingPath)) is null but required"
        case .typeMismatch(_, let context), .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "not a valid JSON object (\(context.debugDescription))"
                : "field \(field(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

/// One record of an export: an incident with everything recorded about it, or a deploy.
enum TransferRecord {
    case incident(IncidentDetail)
    case deploy(Deploy)
}

/// One line of a JSONL export: `{"deploy": {…}}` holds a deploy, any other object an incident.
struct TransferLine: Decodable {
    static let deployKey = "deploy"
    let record: TransferRecord

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        let key = AnyKey(stringValue: Self.deployKey)
        guard container.contains(key) else {
            record = .incident(try IncidentDetail(from: decoder))
            return
        }
        try decoder.requireExactKeys([Self.deployKey])
        record = .deploy(try container.decode(Exact<Deploy>.self, forKey: key).record)
    }
}

/// A `source` row of a CSV export: one key an import made the incident above it from.
struct SourceRow: Codable, RecordFields {
    var incidentId: Int64
    var text: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case incidentId = "incident_id"
        case text
    }

    static let fieldNames = Set(CodingKeys.allCases.map(\.rawValue))
}
