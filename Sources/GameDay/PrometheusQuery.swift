import Foundation
import IncidentKit
import LabHTTP

/// Instant queries against Prometheus's HTTP API (`/api/v1/query`), for what the game day must know from the
/// monitoring: whether alerts are still pending or firing.
public struct PrometheusQuery: Sendable {
    public let url: String
    private let client = HTTPClient(timeout: .seconds(5), userAgent: "incident")

    public init(url: String) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    /// The samples of an instant vector: each series' labels and value.
    public func vector(_ query: String) throws -> [(labels: [String: String], value: Double)] {
        var components = URLComponents(string: url + "/api/v1/query")
        components?.queryItems = [URLQueryItem(name: "query", value: query)]
        let answer: HTTPResponse
        do {
            answer = try client.send(HTTPRequest(), to: components?.string ?? url)
        } catch {
            throw IncidentError.unavailable("cannot reach Prometheus at \(url): \(error)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any] else {
            throw IncidentError.unavailable("\(url) answered \(answer.status), not as Prometheus's API does")
        }
        guard object["status"] as? String == "success", let data = object["data"] as? [String: Any],
            let result = data["result"] as? [[String: Any]]
        else {
            throw IncidentError.invalidInput(
                "Prometheus refused the query \(query): \(object["error"] as? String ?? "?")")
        }
        return result.map { sample in
            let value = (sample["value"] as? [Any])?.last as? String
            return ((sample["metric"] as? [String: String]) ?? [:], value.flatMap(Double.init) ?? .nan)
        }
    }
}
