import Conventions
import FaultCatalog
import Foundation
import IncidentKit
import LabHTTP

/// The admin token of the app under test.
public typealias AdminToken = TokenInput

extension TokenInput {
    /// The app's admin token: from `file` when given, else from `$APP_ADMIN_TOKEN`.
    public static func admin(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> TokenInput
    {
        try read(
            file: file, variable: "APP_ADMIN_TOKEN",
            missing: "no admin token: set APP_ADMIN_TOKEN to the app's token, or pass --token-file FILE",
            environment: environment)
    }
}

/// The app's fault API (`/admin/faults`) at one target, with errors that say what to do: an unreachable
/// target is ``IncidentError/unavailable(_:)`` (69), a refused token ``IncidentError/refused(_:)`` (77), a
/// fault the app refuses ``IncidentError/invalidInput(_:)`` (64).
public struct AdminClient: Sendable {
    /// Who answers the fault API: the app, or the lab's keeper, which speaks the same API for the faults
    /// from outside the app.
    public enum Peer: Sendable {
        case app, keeper

        /// How messages name it.
        var name: String { self == .app ? "the app" : "the lab's keeper" }

        /// What to do when it cannot be reached.
        var remedy: String {
            self == .app
                ? "start the app, or pass --target (or set INCIDENT_TARGET) with its address"
                : "start the lab (scripts/lab.sh up) and source its lab.env, or pass --lab with the keeper's address"
        }

        /// How long an answer may take: the app's is in memory; the keeper's may wait for a program it runs
        /// (`pg_ctl` stopping the database, which it gives 30 s) and for the play before it.
        var timeout: Duration { self == .app ? .seconds(10) : .seconds(75) }
    }

    /// The service's base URL, `http://127.0.0.1:8080`.
    public let target: String
    public let peer: Peer
    let token: AdminToken
    let client: HTTPClient

    public init(target: String, token: AdminToken, peer: Peer = .app) throws {
        self.target = try Self.checked(target: target)
        self.token = token
        self.peer = peer
        client = HTTPClient(timeout: peer.timeout, userAgent: "incident")
    }

    /// `target` without a trailing slash, if it is an http:// URL with a host.
    public static func checked(target: String) throws -> String {
        guard let url = URLComponents(string: target), url.scheme?.lowercased() == "http", url.host?.isEmpty == false
        else {
            throw IncidentError.invalidInput(
                "the target '\(target)' is not an http:// URL such as http://127.0.0.1:8080")
        }
        return target.hasSuffix("/") ? String(target.dropLast()) : target
    }

    /// The target named by `--target`, else `$INCIDENT_TARGET`, else the app's default address.
    public static func target(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> String
    {
        explicit ?? environment["INCIDENT_TARGET"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:8080"
    }

    /// Puts `spec` in force on the target and returns it as the app recorded it, with its id and times.
    public func inject(_ spec: FaultSpec) async throws -> ActiveFault {
        let body = try JSONEncoder.stable().encode(spec.fields)
        let answer = try await exchange("POST", "/admin/faults", body: Array(body))
        guard answer.status == 201 else { throw refusal(answer, doing: "inject \(spec.text)") }
        return try fault(in: answer.body)
    }

    /// Clears fault `id`; nil when the target has no such fault (it expired or was cleared already).
    public func clear(_ id: Int64) async throws -> ActiveFault? {
        let answer = try await exchange("DELETE", "/admin/faults/\(id)")
        if answer.status == 404 {
            _ = try await list()  // the admin API answers: the fault is gone, not the API
            return nil
        }
        guard answer.status == 200 else { throw refusal(answer, doing: "clear fault \(id)") }
        return try fault(in: answer.body)
    }

    /// The faults in force on the target.
    public func list() async throws -> [ActiveFault] {
        let answer = try await exchange("GET", "/admin/faults")
        guard answer.status == 200 else { throw refusal(answer, doing: "list the faults") }
        guard let object = try? JSONDecoder().decode([String: [[String: FaultValue]]].self, from: Data(answer.body)),
            let faults = object["faults"]
        else { throw notTheApp(answer) }
        do {
            return try faults.map { fields throws(FaultRequestError) in try ActiveFault(fields: fields) }
        } catch {
            throw notTheApp(answer)
        }
    }

    private func exchange(_ method: String, _ path: String, body: [UInt8] = []) async throws -> HTTPResponse {
        var headers = [
            (name: "Authorization", value: "Bearer \(token.value)"), (name: "Accept", value: "application/json"),
        ]
        if !body.isEmpty { headers.append((name: "Content-Type", value: "application/json")) }
        do {
            let request = HTTPRequest(method: method, headers: headers, body: body)
            return try await client.exchange(request, to: target + path)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw IncidentError.unavailable("cannot reach \(peer.name) at \(target): \(error); \(peer.remedy)")
        }
    }

    private func fault(in body: [UInt8]) throws -> ActiveFault {
        guard let fields = try? JSONDecoder().decode([String: FaultValue].self, from: Data(body)),
            let fault = try? ActiveFault(fields: fields)
        else {
            throw IncidentError.unavailable(
                "the target \(target) answered, but not as the app's admin API does; check --target")
        }
        return fault
    }

    private func message(_ answer: HTTPResponse) -> String? {
        let object = try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any]
        return (object?["error"] as? [String: Any])?["message"] as? String
    }

    private func notTheApp(_ answer: HTTPResponse) -> IncidentError {
        .unavailable(
            "the target \(target) answered \(answer.status), but not as the app's admin API does; check --target")
    }

    /// The error for an answer the command cannot go on with.
    private func refusal(_ answer: HTTPResponse, doing what: String) -> IncidentError {
        switch answer.status {
        case 401, 403:
            return .refused(
                "the target \(target) refused the admin token from \(token.source); set it to the app's APP_ADMIN_TOKEN"
            )
        case 404:
            return .unavailable(
                "the target \(target) has no admin API (404 at /admin/faults): start the app with APP_ADMIN_TOKEN set "
                    + "and fault injection on, or check --target")
        case 400..<500 where message(answer) != nil:
            return answer.status == 409
                ? .conflict("\(peer.name) refused to \(what): \(message(answer)!)")
                : .invalidInput("\(peer.name) refused to \(what): \(message(answer)!)")
        default:
            return message(answer).map {
                .unavailable("the target \(target) failed to \(what): \(answer.status) \($0)")
            }
                ?? notTheApp(answer)
        }
    }
}
