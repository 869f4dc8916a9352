import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IncidentKit
import IncidentServer
import Logging
import TestSupport
import Testing

/// `incident serve`'s routes on a temporary store, driven through the router as Alertmanager would.
struct Receiver {
    static let token = "receiver-test-token"
    let directory: TemporaryDirectory
    let store: IncidentStore
    let t0 = Timestamp(rfc3339: "2026-11-29T10:00:00Z")!

    /// The store's file or PostgreSQL URI.
    let location: String

    init() async throws {
        directory = try TemporaryDirectory()
        location = try TestPostgres.store(in: directory)
        store = try await IncidentStore.connect(to: location, ifMissing: .create)
        try await store.prepareForWriting()  // as `incident serve` does at start
    }

    func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let application = buildApplication(
            store: store, configuration: ServeConfiguration(token: Self.token), logger: Logger(label: "test"))
        try await application.test(.router) { try await body($0) }
    }

    /// A webhook payload of version 4 holding `alerts`.
    static func payload(_ alerts: [[String: Any]]) -> ByteBuffer {
        let object: [String: Any] = [
            "version": "4", "groupKey": "{}:{alertname=\"x\"}", "status": "firing", "receiver": "incident",
            "groupLabels": [:], "commonLabels": [:], "commonAnnotations": [:], "externalURL": "http://am",
            "alerts": alerts,
        ]
        return ByteBuffer(data: try! JSONSerialization.data(withJSONObject: object))
    }

    /// One alert as Alertmanager writes it.
    static func alert(
        _ name: String, _ status: String = "firing", startsAt: String, endsAt: String = "0001-01-01T00:00:00Z",
        fingerprint: String? = nil, service: String = "app"
    ) -> [String: Any] {
        [
            "status": status, "labels": ["alertname": name, "service": service, "severity": "page"],
            "annotations": ["summary": "\(name) on \(service)"], "startsAt": startsAt, "endsAt": endsAt,
            "generatorURL": "http://prometheus", "fingerprint": fingerprint ?? "fp-\(name)",
        ]
    }

    static let headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]

    func post(_ body: ByteBuffer, _ client: some TestClientProtocol, headers: HTTPFields = Receiver.headers)
        async throws
        -> TestResponse
    {
        try await client.execute(uri: "/alertmanager", method: .post, headers: headers, body: body)
    }

    /// The incidents in the store, and that `db check` finds it sound.
    func incidents() async throws -> [Incident] {
        #expect(try await store.check().isHealthy)
        return try await store.list()
    }
}

struct ReceiverTests {
    @Test func aFiringAlertDetectsTheInjectedIncidentAtItsStart() async throws {
        let receiver = try await Receiver()
        let now = Timestamp.now
        var draft = Incident(
            title: "drill", kind: .injected, fault: "error status=500", startedAt: now.adding(seconds: -60))
        draft.service = "app"
        let injected = try await receiver.store.open(draft, by: "t", now: now).incident.id!
        _ = try await receiver.store.open(
            Incident(title: "older real", startedAt: now.adding(seconds: -30)), by: "t", now: now)
        let startsAt = now.adding(seconds: -50).description
        try await receiver.test { client in
            let answer = try await receiver.post(
                Receiver.payload([Receiver.alert("AppErrorBudgetBurnFast", startsAt: startsAt)]), client)
            #expect(answer.status == .ok)
            #expect(String(buffer: answer.body).contains("AppErrorBudgetBurnFast: detected"))
        }
        let detail = try await receiver.store.detail(injected)
        #expect(detail.incident.detection == "alert:AppErrorBudgetBurnFast", "the injected one first, though older")
        #expect(detail.incident.detectedAt?.description == startsAt)
    }

    @Test func redeliveriesChangeNothingAndResolvedAlertsAreNotes() async throws {
        let receiver = try await Receiver()
        let startsAt = Timestamp.now.adding(seconds: -120).description
        let firing = Receiver.payload([Receiver.alert("AppTargetDown", startsAt: startsAt)])
        try await receiver.test { client in
            for _ in 0..<3 {
                let answer = try await receiver.post(firing, client)
                #expect(answer.status == .ok)
            }
            let resolved = Receiver.payload([
                Receiver.alert("AppTargetDown", "resolved", startsAt: startsAt, endsAt: Timestamp.now.description)
            ])
            let first = try await receiver.post(resolved, client)
            let again = try await receiver.post(resolved, client)
            #expect(first.status == .ok && again.status == .ok)
        }
        let incidents = try await receiver.incidents()
        #expect(incidents.count == 1, "opened once, by the first delivery")
        let detail = try await receiver.store.detail(incidents[0].id!)
        #expect(detail.incident.status == .detected, "a resolved alert does not recover an incident")
        #expect(detail.timeline.filter { $0.text.contains("resolved (it started") }.count == 1)
        #expect(detail.timeline.contains { $0.text.contains("the start is the alert's startsAt") })
    }

    /// Alertmanager waits, groups and retries: an alert that started while the incident was ongoing can
    /// arrive after it recovered. It saw the incident: a detection at its start (or a note), never a new one.
    @Test func anAlertThatStartedDuringTheIncidentArrivingAfterItsRecoveryDetectsIt() async throws {
        let receiver = try await Receiver()
        let now = Timestamp.now
        let drill = try await receiver.store.open(
            Incident(title: "drill", kind: .injected, fault: "error", startedAt: now.adding(seconds: -60)),
            by: "t", now: now
        ).incident.id!
        _ = try await receiver.store.mitigate(drill, at: now.adding(seconds: -30), by: "t", now: now)
        try await receiver.test { client in
            for (name, started) in [("AppErrorBudgetBurnFast", -50.0), ("AppErrorBudgetBurnSlow", -40.0)] {
                let answer = try await receiver.post(
                    Receiver.payload([Receiver.alert(name, startsAt: now.adding(seconds: started).description)]),
                    client)
                #expect(answer.status == .ok)
            }
        }
        #expect(try await receiver.incidents().count == 1, "no real incident opened for the drill's own alerts")
        let detail = try await receiver.store.detail(drill)
        #expect(detail.incident.detectedAt == now.adding(seconds: -50))
        #expect(detail.incident.detection == "alert:AppErrorBudgetBurnFast")
        #expect(detail.timeline.contains { $0.text.contains("AppErrorBudgetBurnSlow fired") })
    }

    @Test func anAlertAfterTheRecoveryIsALateDetection() async throws {
        let receiver = try await Receiver()
        let now = Timestamp.now
        let id = try await receiver.store.open(
            Incident(title: "short drill", kind: .injected, fault: "abort", startedAt: now.adding(seconds: -60)),
            by: "t",
            now: now
        ).incident.id!
        _ = try await receiver.store.mitigate(id, at: now.adding(seconds: -50), by: "t", now: now)
        _ = try await receiver.store.resolve(
            id, at: now.adding(seconds: -40), cause: "drill", category: nil, fix: nil, prevent: [], by: "t", now: now)
        try await receiver.test { client in
            let late = Receiver.payload([
                Receiver.alert("AppErrorBudgetBurnSlow", startsAt: now.adding(seconds: -30).description)
            ])
            let answer1 = try await receiver.post(late, client)

            #expect(answer1.status == .ok)
        }
        let detail = try await receiver.store.detail(id)
        #expect(detail.incident.detectedAt == nil, "nobody was told while it mattered")
        #expect(detail.timeline.last?.kind == .lateDetection)
        #expect(try await receiver.incidents().count == 1, "no new incident for a late alert")
        let report = try await receiver.store.report(ReportRequest(now: now))
        #expect(report.detection.detectedAfterRecovery == 1 && report.detection.detected == 0)
    }

    @Test(arguments: [
        ("{", HTTPResponse.Status.badRequest, "not a JSON object"),
        (#"{"version":"3","alerts":[]}"#, .badRequest, "only Alertmanager's webhook payload version 4"),
        (#"{"version":"4"}"#, .badRequest, "alerts is missing"),
        (
            #"{"version":"4","alerts":[{"status":"firing","labels":{"alertname":"X"},"startsAt":"2026-11-29T10:00:00Z","fingerprint":"a"}]}"#,
            .badRequest, "alert X has neither a service nor a job label"
        ),
        (
            #"{"version":"4","alerts":[{"status":"burning","labels":{"alertname":"X","job":"app"},"startsAt":"2026-11-29T10:00:00Z","fingerprint":"a"}]}"#,
            .badRequest, "status must be firing or resolved"
        ),
        (
            #"{"version":"4","alerts":[{"status":"firing","labels":{"alertname":"X","job":"app"},"startsAt":"yesterday","fingerprint":"a"}]}"#,
            .badRequest, "startsAt is not an RFC 3339 time"
        ),
        (
            #"{"version":"4","alerts":[{"status":"firing","labels":{"alertname":"two words","job":"app"},"startsAt":"2026-11-29T10:00:00Z","fingerprint":"a"}]}"#,
            .badRequest, "unknown detection"
        ),
        ("[]", .badRequest, "not a JSON object"),
        ("", .badRequest, "not a JSON object"),
    ])
    func payloadsThatAreNotAlertmanagersAreRefusedNamingWhy(body: String, status: HTTPResponse.Status, words: String)
        async throws
    {
        let receiver = try await Receiver()
        try await receiver.test { client in
            let answer = try await receiver.post(ByteBuffer(string: body), client)
            #expect(answer.status == status)
            #expect(String(buffer: answer.body).contains(words), "\(String(buffer: answer.body))")
        }
        #expect(try await receiver.incidents().isEmpty)
    }

    @Test func tokensSizesMethodsAndPathsAreChecked() async throws {
        let receiver = try await Receiver()
        let firing = Receiver.payload([Receiver.alert("X", startsAt: Timestamp.now.description)])
        try await receiver.test { client in
            let answer2 = try await receiver.post(firing, client, headers: [:])

            #expect(answer2.status == .unauthorized)
            #expect(
                try await receiver.post(firing, client, headers: [.authorization: "Bearer nope"]).status
                    == .unauthorized)
            // One check with the app's admin API: the scheme in any case, one or more spaces after it.
            for credentials in ["BEARER \(Receiver.token)", "Bearer   \(Receiver.token)"] {
                #expect(try await receiver.post(firing, client, headers: [.authorization: credentials]).status == .ok)
            }
            let huge = ByteBuffer(repeating: UInt8(ascii: "a"), count: 2 << 20)
            let answer3 = try await receiver.post(huge, client)

            #expect(answer3.status == .contentTooLarge)
            let get = try await client.execute(uri: "/alertmanager", method: .get)
            #expect(get.status == .notFound || get.status == .methodNotAllowed)
            #expect(String(buffer: get.body).contains("POST /alertmanager"))
            #expect(
                try await client.execute(uri: "/nowhere", method: .post, headers: Receiver.headers).status == .notFound)
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
        #expect(try await receiver.incidents().count == 1)
    }

    @Test func concurrentDeliveriesOfOneNotificationOpenOneIncident() async throws {
        let receiver = try await Receiver()
        let firing = Receiver.payload([
            Receiver.alert("AppTargetDown", startsAt: Timestamp.now.adding(seconds: -5).description),
            Receiver.alert("AppReadinessProbeFailing", startsAt: Timestamp.now.adding(seconds: -4).description),
        ])
        try await receiver.test { client in
            try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<8 { group.addTask { try await receiver.post(firing, client).status } }
                for try await status in group { #expect(status == .ok) }
            }
        }
        let incidents = try await receiver.incidents()
        #expect(incidents.count == 1, "one outage, however often Alertmanager delivers it")
        let detail = try await receiver.store.detail(incidents[0].id!)
        #expect(detail.timeline.filter { $0.text.contains("AppReadinessProbeFailing fired") }.count == 1)
    }

    @Test(.enabled(if: TestPostgres.storesOnPostgres, "a PostgreSQL store: run with INCIDENT_TEST_STORE=postgres"))
    func aDatabaseServerThatDropsTheConnectionAnswers503ThenTheNextDeliveryIsRecorded() async throws {
        let receiver = try await Receiver()
        let payload = Receiver.payload([Receiver.alert("X", startsAt: Timestamp.now.description)])
        try await receiver.test { client in
            #expect(try await receiver.post(payload, client).status == .ok)
            try execute(
                on: receiver.location,
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    + "WHERE datname = current_database() AND pid != pg_backend_pid()")
            let dropped = try await receiver.post(
                Receiver.payload([Receiver.alert("Y", startsAt: Timestamp.now.description)]), client)
            #expect(dropped.status == .serviceUnavailable, "Alertmanager retries a 5xx, never a 4xx")
            #expect(try await receiver.post(payload, client).status == .ok, "connected again")
        }
        #expect(try await receiver.incidents().count == 1)
    }

    @Test func aFailingDatabaseAnswers503SoThatAlertmanagerRetries() async throws {
        let receiver = try await Receiver()
        try refuseInserts(into: "alert", on: receiver.location)
        try await receiver.test { client in
            let answer = try await receiver.post(
                Receiver.payload([Receiver.alert("X", startsAt: Timestamp.now.description)]), client)
            #expect(answer.status == .serviceUnavailable)
        }
        #expect(try await receiver.incidents().isEmpty, "the transaction rolled back")
    }
}
