import Foundation
import IncidentKit
import LabHTTP

/// Prometheus's HTTP API (`/api/v1/query`), over the project's small HTTP client.
public struct PrometheusClient: Sendable {
    /// The server's base URL, `http://127.0.0.1:9090`.
    public let url: String
    let client: HTTPClient

    /// The base URL named by `--prometheus`, else `$PROMETHEUS_URL`, else Prometheus's default address.
    public static func url(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> String
    {
        explicit ?? environment["PROMETHEUS_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:9090"
    }

    public init(url: String, timeout: Duration = .seconds(30)) throws {
        guard let components = URLComponents(string: url), components.scheme?.lowercased() == "http",
            components.host?.isEmpty == false
        else {
            throw IncidentError.invalidInput(
                "the Prometheus URL '\(url)' is not an http:// URL such as http://127.0.0.1:9090")
        }
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        client = HTTPClient(timeout: timeout, userAgent: "incident")
    }

    /// The value of every series `query` returns at `time`; a scalar result is one sample without labels.
    public func query(_ query: String, at time: Timestamp) async throws(PrometheusError) -> [PrometheusSample] {
        let seconds = String(format: "%.3f", Double(time.milliseconds) / 1000)
        let body = Self.form([("query", query), ("time", seconds)])
        let answer: HTTPResponse
        do {
            answer = try await client.exchange(
                HTTPRequest(
                    method: "POST", target: "/api/v1/query",
                    headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
                    body: Array(body.utf8)),
                to: url)
        } catch {
            throw .unreachable("cannot reach Prometheus at \(url): \(error)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any],
            let status = object["status"] as? String
        else {
            throw .unreachable("\(url) answered \(answer.status), but not as Prometheus's API does")
        }
        guard status == "success" else {
            let message = object["error"] as? String ?? "no reason given"
            if answer.status == 400 || answer.status == 422 { throw .rejected(message) }
            throw .unreachable("Prometheus at \(url) failed to answer (\(answer.status)): \(message)")
        }
        guard let data = object["data"] as? [String: Any], let type = data["resultType"] as? String else {
            throw .unreachable("\(url) answered without data, not as Prometheus's API does")
        }
        switch type {
        case "vector":
            let results = data["result"] as? [[String: Any]] ?? []
            return results.compactMap { result in
                guard let value = Self.number(result["value"]) else { return nil }
                return PrometheusSample(labels: result["metric"] as? [String: String] ?? [:], value: value)
            }
        case "scalar":
            return Self.number(data["result"]).map { [PrometheusSample(labels: [:], value: $0)] } ?? []
        default:
            throw .rejected("the query returns a \(type), not an instant vector or a scalar")
        }
    }

    /// `[time, "value"]` as a finite number.
    private static func number(_ pair: Any?) -> Double? {
        guard let pair = pair as? [Any], pair.count == 2, let text = pair[1] as? String, let value = Double(text),
            value.isFinite
        else { return nil }
        return value
    }

    /// An `application/x-www-form-urlencoded` body: everything but unreserved characters percent-encoded
    /// (`+` among them, which a form decoder would read as a space).
    static func form(_ fields: [(String, String)]) -> String {
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
        func encode(_ text: String) -> String {
            text.utf8.map { unreserved.contains($0) ? String(UnicodeScalar($0)) : String(format: "%%%02X", $0) }
                .joined()
        }
        return fields.map { "\(encode($0))=\(encode($1))" }.joined(separator: "&")
    }
}

/// One series of a query's answer.
public struct PrometheusSample: Sendable, Equatable {
    public var labels: [String: String]
    public var value: Double
}

/// Why a query has no answer.
public enum PrometheusError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Prometheus cannot be reached, or what answered is not Prometheus.
    case unreachable(String)
    /// Prometheus refused the query (400, 422); its own words.
    case rejected(String)

    public var description: String {
        switch self {
        case .unreachable(let message), .rejected(let message): message
        }
    }
}
