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
        guard let header = request.headers[.authorization], let presented = Self.bearerToken(in: header),
            Self.constantTimeEqual(presented, Array(token.utf8))
        else {
            throw HTTPError(
                .unauthorized, headers: [.wwwAuthenticate: "Bearer"],
                message: "admin API: send the admin token as 'Authorization: Bearer TOKEN'")
        }
        return try await next(request, context)
    }

    /// The token of `Bearer TOKEN` credentials: the scheme matched in any case, then one or more spaces
    /// (RFC 9110, 11.1 and 11.4); nil for another scheme or no token.
    public static func bearerToken(in credentials: String) -> [UInt8]? {
        let bytes = Array(credentials.utf8)
        let scheme = bytes.prefix { $0 != UInt8(ascii: " ") }
        guard String(decoding: scheme, as: UTF8.self).lowercased() == "bearer" else { return nil }
        let token = bytes.dropFirst(scheme.count).drop { $0 == UInt8(ascii: " ") }
        return token.isEmpty ? nil : Array(token)
    }

    /// Whether `a` and `b` are equal, in a time that depends on their lengths only, never on where they
    /// first differ.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference: UInt8 = a.count == b.count ? 0 : 1
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
