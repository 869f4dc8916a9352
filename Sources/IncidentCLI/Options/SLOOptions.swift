import ArgumentParser
import Foundation
import IncidentKit
import SLOKit
import SLOStatus

/// Which SLO files a command measures, and the Prometheus it asks.
struct SLOOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The folder of OpenSLO files, *.yaml and *.yml (default: $INCIDENT_SLO_DIR, else ops/slo in a clone, "
                + "else share/incident/slo beside the installed binary's folder).",
            valueName: "dir"))
    var sloDir: String?

    @Option(
        help: ArgumentHelp(
            "Prometheus's base URL (default: $PROMETHEUS_URL, else http://127.0.0.1:9090).", valueName: "url"))
    var prometheus: String?

    @Option(help: "production, or lab: the SLO windows × 1/60, as the lab's rules (ops/README.md).")
    var profile = ProfileArgument.production

    /// The SLOs in the folder, in file-name order.
    func slos() throws -> [SLO] {
        let environment = ProcessInfo.processInfo.environment["INCIDENT_SLO_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        let folder = sloDir ?? environment ?? Self.defaultFolder()
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            var isFolder: ObjCBool = false
            let reason =
                !FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder)
                ? "there is no folder \(folder)"
                : isFolder.boolValue ? "the folder \(folder) cannot be read" : "\(folder) is a file, not a folder"
            let given = sloDir != nil ? "--slo-dir" : environment != nil ? "INCIDENT_SLO_DIR" : "the default folder"
            throw IncidentError.missingFile(
                "cannot read the SLOs: \(reason) (\(given)); pass --slo-dir with the folder of your OpenSLO files, "
                    + "or set INCIDENT_SLO_DIR")
        }
        let files = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            .map { (folder as NSString).appendingPathComponent($0) }
        guard !files.isEmpty else {
            throw IncidentError.missingFile("no SLO file (*.yaml, *.yml) in \(folder); pass --slo-dir")
        }
        return try Self.read(files)
    }

    /// `ops/slo` when run in a clone of the repository, else the folder `scripts/install.sh` fills:
    /// `share/incident/slo` beside the folder of the binary (`/usr/local/bin` → `/usr/local/share/incident/slo`).
    static func defaultFolder() -> String {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: "ops/slo", isDirectory: &isFolder), isFolder.boolValue {
            return "ops/slo"
        }
        let binary =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: binary).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("share/incident/slo").path
    }

    /// The SLOs in `files`: a missing file is exit 66, a refused one 65 with its file, line and key.
    static func read(_ files: [String]) throws -> [SLO] {
        do {
            return try OpenSLO.read(files: files)
        } catch {
            switch error {
            case .unreadable: throw IncidentError.missingFile(error.description)
            case .invalid: throw IncidentError.malformed(error.description)
            }
        }
    }

    /// A meter on the Prometheus these options name, in their profile; each query may take `timeout`.
    func meter(timeout: Duration = .seconds(30)) throws -> SLOMeter {
        SLOMeter(
            prometheus: try PrometheusClient(url: PrometheusClient.url(explicit: prometheus), timeout: timeout),
            profile: profile.profile)
    }

    /// Measures `slos` at `now` with the incidents of `store`.
    func measure(_ slos: [SLO], store: any IncidentRepository, now: Timestamp) async throws -> [SLOMeasurement] {
        let meter = try meter()
        let longest = slos.map { profile.profile.seconds($0.window) }.max() ?? 0
        let incidents = try await store.list(IncidentFilter(since: now.adding(seconds: -Double(longest))))
        return try await meter.measure(slos, incidents: incidents, now: now)
    }
}

/// `--profile`: whose durations rules and windows use.
enum ProfileArgument: String, CaseFoldedArgument, CaseIterable {
    case production, lab

    var profile: RuleProfile { self == .lab ? .lab : .production }
}
