import FaultCatalog
import FaultLab
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The metrics a Prometheus user relies on (docs/contract.md, "Metrics"), read from `/metrics` through the router.
@Suite("Metrics")
struct MetricsTests {
    @Test("Probes, scrapes and the admin API count apart, outside the user traffic families")
    func operationalTraffic() async throws {
        for harness in [try ServiceHarness(), try ServiceHarness(adminToken: nil)] {
            try await harness.test { client in
                _ = try await client.execute(uri: "/", method: .get)
                for (uri, method) in [
                    ("/livez", HTTPRequest.Method.get), ("/livez", .head), ("/readyz", .get), ("/metrics", .get),
                    ("/admin/faults", .get),
                ] {
                    _ = try await client.execute(uri: uri, method: method, headers: ServiceHarness.adminHeaders)
                }
                let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                #expect(sample(text, "http_operational_requests_total", #"route="/livez",status="200""#) == 2)
                #expect(sample(text, "http_operational_requests_total", #"route="/readyz",status="200""#) == 1)
                #expect(sample(text, "http_operational_requests_total", #"route="/metrics",status="200""#) == 1)
                let admin =
                    harness.service.state.configuration.adminToken == nil
                    ? #"route="NotFound",status="404""# : #"route="/admin/faults",status="200""#
                #expect(sample(text, "http_operational_requests_total", admin) == 1, "a hidden admin API too")
                let userSeries = text.split(separator: "\n").filter {
                    $0.hasPrefix("http_requests_total{") || $0.hasPrefix("http_request_duration_seconds_count{")
                }
                #expect(userSeries.count == 2, "only GET / is user traffic: \(userSeries)")
                #expect(userSeries.allSatisfy { $0.contains(#"route="/""#) })
                #expect(sample(text, "http_requests_in_flight") == 0)
            }
        }
    }

    @Test("Duration buckets are the agreed bounds, with le written as the Go client writes it")
    func bucketBounds() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            _ = try await client.execute(uri: "/", method: .get)
            _ = try await client.execute(uri: "/api/notes", method: .get)
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            let bounds = text.split(separator: "\n")
                .filter { $0.hasPrefix(#"http_request_duration_seconds_bucket{method="GET",route="/",status="200","#) }
                .compactMap { $0.firstMatch(of: /le="([^"]+)"/).map { String($0.1) } }
            #expect(
                bounds == [
                    "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.11", "0.15", "0.2", "0.25", "0.3",
                    "0.5", "0.75", "0.9", "1", "1.1", "1.5", "2", "2.5", "2.75", "3", "4", "5", "7.5", "10", "30", "60",
                    "+Inf",
                ])
            let storeBounds = text.split(separator: "\n")
                .filter { $0.hasPrefix(#"app_store_call_duration_seconds_bucket{operation="list","#) }
                .compactMap { $0.firstMatch(of: /le="([^"]+)"/).map { String($0.1) } }
            #expect(storeBounds.first == "0.0001" && storeBounds.contains("1") && storeBounds.last == "+Inf")
            #expect(text.firstMatch(of: /le="[0-9]+\.0"/) == nil, "Prometheus 2 matches le as text: 1, not 1.0")
        }
    }

    /// What `histogram_quantile(0.99, …)` reads for a request held by an injected latency, with the bucket
    /// bounds the exposition really has: a latency that sits on a round bound lands in the bucket above it, and
    /// linear interpolation puts its p99 near that bucket's top. The bounds keep that within 15 % of the truth
    /// for the latencies game days inject (with only round bounds, 100 ms read 49.5 % high).
    @Test(
        "p99 of injected latency, as histogram_quantile reads it from the exposition's buckets, is within 15 %",
        arguments: [100, 800, 1000, 2500])
    func latencyQuantile(milliseconds: Int) async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            _ = try await client.execute(uri: "/", method: .get)
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            let bounds = text.split(separator: "\n")
                .filter { $0.hasPrefix(#"http_request_duration_seconds_bucket{method="GET",route="/",status="200","#) }
                .compactMap {
                    $0.firstMatch(of: /le="([^"]+)"/).map { $0.1 == "+Inf" ? Double.infinity : Double($0.1)! }
                }
            // A hundred requests, each the injected latency and 2 ms of work.
            let taken = Double(milliseconds) / 1000 + 0.002
            let buckets = bounds.map { (bound: $0, count: taken <= $0 ? 100.0 : 0) }
            let estimate = try #require(histogramQuantile(0.99, buckets))
            #expect(abs(estimate - taken) / taken <= 0.15, "p99 of \(milliseconds) ms reads \(estimate)")
            #expect(estimate > taken && estimate <= bounds.first { $0 >= taken }!, "within the bucket that holds it")
        }
    }

    @Test("app_ready and app_not_ready{reason} say at scrape time what /readyz would answer")
    func readiness() async throws {
        let harness = try ServiceHarness(serving: false)
        try await harness.test { client in
            func scrape() async throws -> (ready: Double?, reasons: [String: Double]) {
                let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                var reasons: [String: Double] = [:]
                for reason in ["starting", "draining", "fault", "store"] {
                    reasons[reason] = sample(text, "app_not_ready", #"reason="\#(reason)""#)
                }
                return (sample(text, "app_ready"), reasons)
            }
            func expect(ready: Double, reason: String?) async throws {
                let scraped = try await scrape()
                #expect(scraped.ready == ready)
                #expect(scraped.reasons.count == 4, "every reason has a series from the start")
                for (name, value) in scraped.reasons {
                    #expect(value == (name == reason ? 1 : 0), "\(name) while \(reason ?? "ready")")
                }
            }
            try await expect(ready: 0, reason: "starting")
            harness.service.state.lifecycle.markServing()
            try await expect(ready: 1, reason: nil)
            try await ServiceHarness.activate(#"{"type":"not_ready"}"#, on: client)
            try await expect(ready: 0, reason: "fault")
            _ = try await client.execute(uri: "/admin/faults", method: .delete, headers: ServiceHarness.adminHeaders)
            try await ServiceHarness.activate(#"{"type":"dependency_down"}"#, on: client)
            try await expect(ready: 0, reason: "store")
            _ = try await client.execute(uri: "/admin/faults", method: .delete, headers: ServiceHarness.adminHeaders)
            try await expect(ready: 1, reason: nil)
            harness.service.state.lifecycle.beginDraining()
            try await expect(ready: 0, reason: "draining")
        }
    }

    @Test("Store calls count by operation and result, with their durations; every series exists from the start")
    func storeCalls() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            func text() async throws -> String {
                String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            }
            let first = try await text()
            for operation in ["add", "list", "get"] {
                for result in ["ok", "error"] {
                    #expect(
                        sample(first, "app_store_calls_total", #"operation="\#(operation)",result="\#(result)""#) == 0)
                }
            }
            _ = try await client.execute(uri: "/api/notes", method: .post, body: ByteBuffer(string: #"{"text":"a"}"#))
            _ = try await client.execute(uri: "/api/notes", method: .get)
            _ = try await client.execute(uri: "/api/notes/1", method: .get)
            _ = try await client.execute(uri: "/api/notes/2", method: .get)
            try await ServiceHarness.activate(#"{"type":"dependency_down"}"#, on: client)
            _ = try await client.execute(uri: "/api/notes", method: .post, body: ByteBuffer(string: #"{"text":"b"}"#))
            let counted = try await text()  // its readiness check fails too: a ping error
            #expect(sample(counted, "app_store_calls_total", #"operation="add",result="ok""#) == 1)
            #expect(sample(counted, "app_store_calls_total", #"operation="add",result="error""#) == 1)
            #expect(sample(counted, "app_store_calls_total", #"operation="list",result="ok""#) == 1)
            #expect(sample(counted, "app_store_calls_total", #"operation="get",result="ok""#) == 2)
            #expect(sample(counted, "app_store_calls_total", #"operation="ping",result="ok""#) == 1)
            #expect(sample(counted, "app_store_calls_total", #"operation="ping",result="error""#) == 1)
            #expect(sample(counted, "app_store_call_duration_seconds_count", #"operation="add""#) == 2)
            #expect(sample(counted, "app_store_call_duration_seconds_count", #"operation="get""#) == 2)
        }
    }
}

/// PromQL's `histogram_quantile(q, …)` over one series' cumulative buckets, ascending and ending with `+Inf`:
/// the rank `q × count` is found in a bucket and interpolated linearly between its bounds, the first bucket
/// starting at 0; a rank in the `+Inf` bucket reads as the highest finite bound. Nil without observations.
func histogramQuantile(_ q: Double, _ buckets: [(bound: Double, count: Double)]) -> Double? {
    guard let total = buckets.last?.count, total > 0, buckets.count >= 2 else { return nil }
    let rank = q * total
    guard let index = buckets.firstIndex(where: { $0.count >= rank }) else { return nil }
    if index == buckets.count - 1 { return buckets[buckets.count - 2].bound }
    let lower = index == 0 ? 0 : buckets[index - 1].bound
    let below = index == 0 ? 0 : buckets[index - 1].count
    return lower + (buckets[index].bound - lower) * (rank - below) / (buckets[index].count - below)
}
