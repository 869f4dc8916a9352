import FaultCatalog
import Foundation
import Hummingbird

/// The routes an operator and an orchestrator use: `GET /` (what is running), `/livez`, `/readyz` and
/// `/metrics`.
struct OperationsRoutes {
    let service: ServiceState

    /// A probe's answer; `reason` says why it failed.
    struct ProbeResult: ResponseEncodable {
        let status: String
        var reason: String?
    }

    func add(to router: Router<AppRequestContext>) {
        // The answer load tests hit: its constant part is made once, and JSONEncoder (a tenth of the time
        // of a request) is left out. The constant strings hold no character JSON would escape.
        let infoPrefix =
            #"{"name":"app","version":"\#(service.configuration.version)","started_at":"\#(service.startedAt.rfc3339)","uptime_s":"#
        router.get { _, _ in
            let uptime = (Date().timeIntervalSince(service.startedAt) * 1000).rounded() / 1000
            return Response(
                status: .ok, headers: [.contentType: JSONAnswerEncoder.contentType],
                body: .init(byteBuffer: ByteBuffer(string: infoPrefix + "\(uptime)}")))
        }
        router.get("livez") { _, _ in
            if let fault = service.faults.failure(.notLive) {
                return probe(.serviceUnavailable, "not live", reason: "fault \(fault.label)")
            }
            return probe(.ok, "live")
        }
        router.get("readyz") { _, _ in
            let readiness = await service.readiness()
            guard readiness.reason != nil else { return probe(.ok, "ready") }
            return probe(.serviceUnavailable, "not ready", reason: readiness.detail)
        }
        router.get("metrics") { _, _ in
            let readiness = await service.readiness()
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: service.metrics.exposition(notReady: readiness.reason))))
        }
    }

    private func probe(_ status: HTTPResponse.Status, _ text: String, reason: String? = nil) -> EditedResponse<
        ProbeResult
    > {
        EditedResponse(status: status, response: ProbeResult(status: text, reason: reason))
    }
}
