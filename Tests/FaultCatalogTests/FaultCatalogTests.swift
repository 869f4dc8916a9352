import FaultCatalog
import Foundation
import Testing

struct FaultTextTests {
    @Test(arguments: [
        ("latency ms=800", "latency ms=800 jitter_ms=0"),
        ("latency   ms=800  jitter_ms=0", "latency ms=800 jitter_ms=0"),
        ("error", "error status=500"),
        ("error status=500 duration_s=300", "error status=500"),
        ("error route=/api/* probability=0.5 status=503", "error status=503 probability=0.5 route=/api/*"),
        ("crash exit_code=137 delay_s=0", "crash exit_code=137 delay_s=0"),
        ("abort probability=1", "abort"),
        ("memory_leak max_mb=1500 mb_per_s=20", "memory_leak mb_per_s=20 max_mb=1500"),
        ("not_ready duration_s=60", "not_ready duration_s=60"),
        ("cpu_burn", "cpu_burn threads=1"),
        ("kill", "kill replica=1"),
        ("kill replica=all duration_s=30", "kill replica=all duration_s=30"),
        ("partition to=replica-2 from=lb", "partition from=lb to=replica-2"),
        ("partition from=replica-3 to=db", "partition from=replica-3 to=db"),
        ("cpu_throttle replica=2", "cpu_throttle replica=2 cpus=0.1"),
        ("db_lock duration_s=60", "db_lock duration_s=60"),
        ("oom", "oom replica=1"),
        ("oom replica=all", "oom replica=all"),
        ("disk_full duration_s=20", "disk_full duration_s=20"),
    ])
    func equalFaultsHaveOneCanonicalText(written: String, canonical: String) throws {
        let spec = try FaultSpec(text: written)
        #expect(spec.text == canonical)
        #expect(try FaultSpec(text: spec.text) == spec, "the canonical text reads back to the same fault")
    }

    @Test func theTextAndJSONFormsAgree() throws {
        let json = #"{"type":"error","status":503,"probability":0.5,"route":"/api/*","duration_s":120}"#
        #expect(
            try FaultSpec(json: Data(json.utf8))
                == FaultSpec(text: "error status=503 probability=0.5 route=/api/* duration_s=120"))
    }

    @Test(arguments: [
        ("", "the fault is empty"),
        ("latncy ms=5", "unknown fault type 'latncy'"),
        ("latency", "field 'ms' is required"),
        ("latency ms", "'ms' is not a parameter"),
        ("latency ms=5 ms=6", "parameter 'ms' is given twice"),
        ("latency ms=fast", "field 'ms' must be a number"),
        ("hang max_s=3000", "field 'max_s' is 3000; it must be between 0.001 and 300"),
        ("crash route=/x", "field 'route' does not apply to a crash fault"),
        ("kill replica=0", "field 'replica' must be a replica's number, 1 to 8, or all"),
        ("pause replica=some", "field 'replica' must be a replica's number, 1 to 8, or all"),
        ("kill replica=1.5", "field 'replica' must be a replica's number"),
        ("partition from=lb", "field 'to' is required for a partition: replica-N or db"),
        ("partition from=lb to=replica-9", "field 'to' is 'replica-9'; give replica-N or db, with N from 1 to 8"),
        ("partition from=lb to=db", "a partition cuts lb from a replica (from=lb to=replica-1) or a replica from"),
        ("partition from=replica-1 to=replica-2", "not replica-1 from replica-2"),
        ("cpu_throttle cpus=2", "field 'cpus' is 2; it must be between 0.01 and 1"),
        ("db_down probability=0.5", "field 'probability' does not apply to a db_down fault"),
        ("oom replica=9", "field 'replica' must be a replica's number, 1 to 8, or all"),
        ("disk_full replica=1", "field 'replica' does not apply to a disk_full fault"),
    ])
    func badTextIsRefusedNamingTheField(text: String, message: String) {
        #expect {
            try FaultSpec(text: text)
        } throws: { error in
            (error as? FaultRequestError)?.description.contains(message) == true
        }
    }

    @Test func routesCoverWhatTheirGlobSaysAndNeverTheAdminAPI() throws {
        let fallback = try FaultSpec(text: "error")
        #expect(fallback.covers(path: "/api/notes") && fallback.covers(path: "/"))
        #expect(!fallback.covers(path: "/readyz") && !fallback.covers(path: "/metrics"))
        let glob = try FaultSpec(text: "error route=/api/*")
        #expect(glob.covers(path: "/api/notes/1") && !glob.covers(path: "/"))
        #expect(!(try FaultSpec(text: "error route=/*")).covers(path: "/admin/faults"))
    }

    @Test(arguments: ["/a b", #"/say "hi""#, #"/back\slash"#, "/plain/*"])
    func aRouteWithSpacesOrQuotesSurvivesTheTextFormAndTheCommandLine(route: String) throws {
        let given = try FaultSpec(type: "error", parameters: ["status=503"], extra: ["route": .string(route)])
        #expect(given.route == route)
        let reread = try FaultSpec(text: given.text)
        #expect(reread == given, "\(given.text)")
        let needsQuotes = route.contains { $0 == " " || $0 == "\"" || $0 == "\\" }
        #expect(given.text.hasSuffix("route=" + route) != needsQuotes, "quoted only when needed: \(given.text)")
    }

    @Test func anUnclosedQuoteIsRefused() {
        #expect(throws: FaultRequestError.self) { try FaultSpec(text: #"error route="/a b"#) }
    }
}
