import Foundation

/// A field of an incident that `incident edit` can set or clear.
public enum IncidentField: String, CaseIterable, Sendable {
    case title, service, severity, kind, fault
    case startedAt = "started-at"
    case detectedAt = "detected-at"
    case acknowledgedAt = "acknowledged-at"
    case mitigatedAt = "mitigated-at"
    case resolvedAt = "resolved-at"
    case detection, cause, category, fix, summary, impact, trigger, lessons
    case causedBy = "caused-by"

    /// The field's current value as text, nil when unset.
    public func value(in incident: Incident) -> String? {
        switch self {
        case .title: incident.title
        case .service: incident.service
        case .severity: incident.severity.rawValue
        case .kind: incident.kind.rawValue
        case .startedAt: incident.startedAt.description
        case .causedBy: incident.causedBy.map { "deploy #\($0)" }
        case .detectedAt, .acknowledgedAt, .mitigatedAt, .resolvedAt: incident[keyPath: timePath!]?.description
        default: incident[keyPath: textPath!]
        }
    }

    /// Sets the field from user text (times as `TimeInput` reads them), or clears it when `text` is nil.
    public func assign(_ text: String?, to incident: inout Incident, now: Timestamp, timeZone: TimeZone) throws {
        guard let text else {
            if self == .causedBy {
                incident.causedBy = nil
            } else if let timePath {
                incident[keyPath: timePath] = nil
            } else if let textPath {
                incident[keyPath: textPath] = nil
            } else {
                throw IncidentError.invalidInput("the \(rawValue) cannot be cleared, only changed")
            }
            return
        }
        switch self {
        case .title: incident.title = try Validate.text(text, field: "title")
        case .service: incident.service = try Validate.service(text)
        case .severity: incident.severity = try Validate.severity(text)
        case .kind: incident.kind = try Validate.kind(text)
        case .startedAt: incident.startedAt = try TimeInput.parse(text, now: now, timeZone: timeZone)
        case .fault: incident.fault = try IncidentFault.canonical(text)
        case .detection: incident.detection = try Detection.validated(text)
        case .category: incident.causeCategory = try Validate.word(text, field: "cause category")
        case .causedBy: incident.causedBy = try Self.deployId(text)
        default:
            if let timePath {
                incident[keyPath: timePath] = try TimeInput.parse(text, now: now, timeZone: timeZone)
            } else {
                incident[keyPath: textPath!] = try Validate.text(text, field: rawValue)
            }
        }
    }

    /// A deploy's id as given to `--caused-by`: `12` or `#12`.
    public static func deployId(_ text: String) throws -> Int64 {
        guard let id = Int64(text.hasPrefix("#") ? String(text.dropFirst()) : text), id > 0 else {
            throw IncidentError.invalidInput(
                "--caused-by '\(text.prefix(80))' is not a deploy id; give the number `incident deploy list` shows")
        }
        return id
    }

    private var timePath: WritableKeyPath<Incident, Timestamp?>? {
        switch self {
        case .detectedAt: \.detectedAt
        case .acknowledgedAt: \.acknowledgedAt
        case .mitigatedAt: \.mitigatedAt
        case .resolvedAt: \.resolvedAt
        default: nil
        }
    }

    private var textPath: WritableKeyPath<Incident, String?>? {
        switch self {
        case .fault: \.fault
        case .detection: \.detection
        case .cause: \.cause
        case .category: \.causeCategory
        case .fix: \.fix
        case .summary: \.summary
        case .impact: \.impact
        case .trigger: \.trigger
        case .lessons: \.lessons
        default: nil
        }
    }
}
