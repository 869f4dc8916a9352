import Foundation
import Hummingbird

// `hello PORT`: serves `GET /` on 127.0.0.1:PORT with the reply nginx gives in bench/app_bench.py.
let port = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 8080
let reply = ByteBuffer(string: #"{"name":"app","version":"0.1.0"}"#)
let router = Router()
router.get("/") { _, _ in
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: reply))
}
let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await application.runService()
