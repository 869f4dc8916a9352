import Conventions
import FaultCatalog
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// The request context of every route: Hummingbird's core context, the connection (an abort fault
/// closes it), and a record of the faults that acted on the request, for its access log line.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel
    let injectedFaults = InjectedFaults()

    /// Request bodies are small JSON documents; anything bigger is refused with 413.
    public var maxUploadSize: Int { 64 * 1024 }

    public var responseEncoder: JSONAnswerEncoder { JSONAnswerEncoder() }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// Encodes answers with the stable JSON settings and labels them exactly `application/json`: RFC 8259
/// defines no charset parameter for JSON (it is always UTF-8), and some clients, Chaos Toolkit's HTTP provider
/// among them, parse only that exact type. Hummingbird's own encoder adds `; charset=utf-8`.
public struct JSONAnswerEncoder: ResponseEncoder {
    /// The `Content-Type` of every JSON answer.
    public static let contentType = "application/json"

    private static let encoder = JSONEncoder.stable()

    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws
        -> Response
    {
        let data = try Self.encoder.encode(value)
        return Response(
            status: .ok, headers: [.contentType: Self.contentType], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The faults that acted on one request, shared by the middlewares and routes it passes through.
final class InjectedFaults: Sendable {
    private let faults = Mutex<[ActiveFault]>([])

    func append(_ fault: ActiveFault) {
        faults.withLock { $0.append(fault) }
    }

    /// `type#id` of each fault, in the order they acted.
    var labels: [String] {
        faults.withLock { $0.map(\.label) }
    }
}
