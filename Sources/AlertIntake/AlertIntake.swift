import Foundation
import IncidentKit
import RFC3339

/// Why a webhook body cannot be used; the receiver answers 400 with it.
public struct IntakeError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Alertmanager's webhook (payload version 4) turned into store calls: each alert is recorded once, whatever
/// state its notification was in, keyed on its fingerprint, start and status.
public enum AlertIntake {
    /// The largest body accepted; a notification of a few hundred alerts is far smaller.
    public static let maxBodyBytes = 1 << 20

    /// The alerts of a webhook body, each read on its own status (a notification can carry firing and
    /// resolved alerts together). Throws what is wrong, for a 400 answer.
    public static func notices(from body: Data) throws(IntakeError) -> [AlertNotice] {
        guard let payload = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            throw IntakeError("the body is not a JSON object; send Alertmanager's webhook payload")
        }
        guard payload["version"] as? String == "4" else {
            throw IntakeError(
                "version is \(payload["version"].map { "\($0)" } ?? "missing"); only Alertmanager's webhook payload version 4 is read"
            )
        }
        guard let alerts = payload["alerts"] as? [Any] else {
            throw IntakeError("alerts is missing or not a list")
        }
        return try alerts.enumerated().map { index, alert throws(IntakeError) in try notice(alert, at: index) }
    }

    static func notice(_ value: Any, at index: Int) throws(IntakeError) -> AlertNotice {
        guard let alert = value as? [String: Any] else { throw IntakeError("alerts[\(index)] is not an object") }
        func text(_ key: String) throws(IntakeError) -> String {
            guard let text = alert[key] as? String, !text.isEmpty else {
                throw IntakeError("alerts[\(index)].\(key) is missing or not text")
            }
            return text
        }
        let labels = (alert["labels"] as? [String: String]) ?? [:]
        let annotations = (alert["annotations"] as? [String: String]) ?? [:]
        guard let name = labels["alertname"], !name.isEmpty else {
            throw IntakeError("alerts[\(index)].labels.alertname is missing")
        }
        guard let service = labels["service"] ?? labels["job"] else {
            throw IntakeError("alert \(name) has neither a service nor a job label; its incidents need a service")
        }
        do {
            _ = try Detection.validated("alert:" + name)
            _ = try Validate.word(service, field: "service label")
        } catch {
            throw IntakeError("alert \(name.prefix(100)): \(error)")
        }
        guard let status = Alert.Status(rawValue: try text("status")) else {
            throw IntakeError("alerts[\(index)].status must be firing or resolved")
        }
        let startsAt = try time(text("startsAt"), "alerts[\(index)].startsAt")
        let endsAt = try (alert["endsAt"] as? String).flatMap { text throws(IntakeError) -> Timestamp? in
            let time = try time(text, "alerts[\(index)].endsAt")
            // Alertmanager writes the zero time for "not ended".
            return time.milliseconds <= RFC3339.days(year: 1, month: 1, day: 1) * 86_400_000 ? nil : time
        }
        return AlertNotice(
            fingerprint: try text("fingerprint"), name: name, service: service, status: status, startsAt: startsAt,
            endsAt: endsAt, summary: annotations["summary"], labels: json(labels), annotations: json(annotations))
    }

    static func time(_ text: String, _ field: String) throws(IntakeError) -> Timestamp {
        guard let milliseconds = RFC3339.milliseconds(from: text) else {
            throw IntakeError("\(field) is not an RFC 3339 time: \(text.prefix(40))")
        }
        return Timestamp(milliseconds: milliseconds)
    }

    static func json(_ object: [String: String]) -> String {
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Records every alert of a notification, in order, and returns what each did.
    public static func record(
        _ notices: [AlertNotice], in store: any IncidentRepository, lateWindow: Double, by author: String
    ) async throws -> [Alert] {
        var recorded: [Alert] = []
        for notice in notices {
            recorded.append(try await store.recordAlert(notice, lateWindow: lateWindow, by: author, now: .now))
        }
        return recorded
    }
}
