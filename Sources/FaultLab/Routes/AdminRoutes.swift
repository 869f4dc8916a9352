import Conventions
import FaultCatalog
import Foundation
import Hummingbird

/// The fault API, under `/admin`, registered only when an admin token is configured (else every admin path
/// answers 404). Every request needs `Authorization: Bearer TOKEN` (else 401).
///
/// `POST /admin/faults` activates a fault (409 past a ``FaultCaps`` cap), `GET /admin/faults` lists those in force,
/// `DELETE /admin/faults/{id}` clears one and `DELETE /admin/faults` clears them all.
struct AdminRoutes {
    let faults: FaultRegistry
    let token: String

    /// The largest fault request body accepted.
    static let maxBodyBytes = 16 * 1024

    struct FaultList: ResponseEncodable {
        let faults: [ActiveFault]
    }

    func add(to router: Router<AppRequestContext>) {
        let admin = router.group("admin").add(middleware: BearerTokenMiddleware(token: token))
        admin.post("faults") { request, context -> EditedResponse<ActiveFault> in
            let body = try await request.body.collect(upTo: Self.maxBodyBytes)
            let spec: FaultSpec
            do throws(FaultRequestError) {
                spec = try FaultSpec(json: Data(buffer: body))
                try spec.checkPlayableByApp()
            } catch {
                throw HTTPError(.badRequest, message: error.description)
            }
            let fault: ActiveFault
            do throws(FaultCapExceeded) {
                fault = try faults.activate(spec)
            } catch {
                throw HTTPError(.conflict, message: error.description)
            }
            return EditedResponse(status: .created, headers: [.location: "/admin/faults/\(fault.id)"], response: fault)
        }
        admin.get("faults") { _, _ in FaultList(faults: faults.active) }
        admin.delete("faults") { _, _ in FaultList(faults: faults.clearAll()) }
        admin.delete("faults/{id}") { _, context -> ActiveFault in
            let id = try context.parameters.require("id", as: Int.self)
            guard let fault = faults.clear(id: id) else {
                throw HTTPError(.notFound, message: "no fault \(id) is in force; GET /admin/faults lists them")
            }
            return fault
        }
    }
}

extension ActiveFault: ResponseEncodable {}

/// Refuses requests without `Authorization: Bearer TOKEN`, comparing in constant time.
public struct BearerTokenMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext

    let token: String

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard BearerCredentials.present(request.headers[.authorization], token: token) else {
            throw HTTPError(
                .unauthorized, headers: [.wwwAuthenticate: "Bearer"],
                message: "admin API: send the admin token as 'Authorization: Bearer TOKEN'")
        }
        return try await next(request, context)
    }
}
