import ArgumentParser
import FaultCatalog
import Foundation
import GameDay
import IncidentKit

/// `--target` and `--token-file`: the app whose admin API a command talks to. The token is never a flag
/// value, since flags show in `ps`.
struct TargetOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The app's base URL (default: $INCIDENT_TARGET, else http://127.0.0.1:8080).", valueName: "url"))
    var target: String?

    @Option(help: ArgumentHelp("A file holding the admin token (default: $APP_ADMIN_TOKEN).", valueName: "file"))
    var tokenFile: String?

    @Option(
        help: ArgumentHelp(
            "The lab keeper's URL, which plays the faults from outside the app (default: $INCIDENT_LAB_URL).",
            valueName: "url"))
    var lab: String?

    /// The lab keeper's URL: --lab, else $INCIDENT_LAB_URL (which the lab's lab.env sets); nil when neither.
    var labURL: String? {
        lab ?? ProcessInfo.processInfo.environment["INCIDENT_LAB_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The target's URL.
    var url: String { AdminClient.target(explicit: target) }

    /// The admin API at `target` (default: the `--target` of these options), answered by `peer`.
    func admin(at target: String? = nil, peer: AdminClient.Peer = .app) throws -> AdminClient {
        try AdminClient(target: target ?? url, token: .admin(file: tokenFile), peer: peer)
    }

    /// The fault API that plays `type`: the lab's keeper for a fault from outside the app, else the app's
    /// admin API at --target.
    func admin(for type: FaultType) throws -> AdminClient {
        guard type.isOutside else { return try admin() }
        guard let keeper = try keeper() else {
            throw IncidentError.unavailable(
                "\(type.rawValue) is a fault from outside the app, which the lab's keeper plays: start the lab "
                    + "(scripts/lab.sh up) and source its lab.env, which sets INCIDENT_LAB_URL, or pass --lab URL")
        }
        return keeper
    }

    /// The lab keeper's fault API, at --lab or $INCIDENT_LAB_URL; nil when neither names it.
    func keeper() throws -> AdminClient? {
        try labURL.map { try admin(at: $0, peer: .keeper) }
    }
}

/// `--replica`: the replicas' own URLs behind a load balancer, by default from `$INCIDENT_REPLICAS`
/// (space-separated; the lab's `lab.env` sets it), in the order that names them `replica-1`, `replica-2`…
struct ReplicaOptions: ParsableArguments {
    @Option(
        name: .customLong("replica"),
        help: ArgumentHelp(
            "A replica's own URL behind the load balancer (repeat; default: $INCIDENT_REPLICAS).", valueName: "url"))
    var replicas: [String] = []

    /// The replicas' URLs, checked: --replica, else $INCIDENT_REPLICAS; empty when neither names any.
    func urls() throws -> [String] {
        let urls =
            replicas.isEmpty
            ? (ProcessInfo.processInfo.environment["INCIDENT_REPLICAS"] ?? "").split(separator: " ").map(String.init)
            : replicas
        return try urls.map { try AdminClient.checked(target: $0) }
    }
}

/// How the black-box prober judges the target.
struct ProbeOptions: ParsableArguments {
    @Option(
        name: .customLong("path"),
        help: ArgumentHelp(
            "A path to probe each round (repeat for several; default: \(ProbeSettings.defaultPaths.joined(separator: " "))).",
            valueName: "path"))
    var paths: [String] = []

    @Option(help: ArgumentHelp("How many times each path is asked per round, at once.", valueName: "n"))
    var samples = 5

    @Option(help: ArgumentHelp("Time between rounds (\(DurationInput.help)).", valueName: "duration"))
    var interval = "1s"

    @Option(help: ArgumentHelp("How long an answer may take before the probe fails.", valueName: "duration"))
    var timeout = "2s"

    @Option(help: ArgumentHelp("An answer slower than this fails the probe.", valueName: "duration"))
    var slow = "500ms"

    @Option(help: ArgumentHelp("Failed rounds in a row that make a detection.", valueName: "n"))
    var failAfter = 3

    @Option(
        help: ArgumentHelp(
            "Good rounds in a row, every probe of each good, that make a recovery.", valueName: "n"))
    var recoverAfter = 10

    /// The settings for probing `target`.
    func settings(target: String) throws -> ProbeSettings {
        guard (1...100).contains(failAfter), (1...100).contains(recoverAfter) else {
            throw IncidentError.invalidInput("--fail-after and --recover-after must be from 1 to 100")
        }
        guard (1...20).contains(samples) else { throw IncidentError.invalidInput("--samples must be from 1 to 20") }
        for path in paths where !path.hasPrefix("/") {
            throw IncidentError.invalidInput("--path '\(path)' must start with '/', such as /readyz")
        }
        var settings = ProbeSettings(target: try AdminClient.checked(target: target))
        if !paths.isEmpty { settings.paths = paths }
        settings.samples = samples
        settings.interval = .seconds(try DurationInput.seconds(interval, option: "--interval", in: 0.05...3600))
        settings.timeout = .seconds(try DurationInput.seconds(timeout, option: "--timeout", in: 0.05...300))
        settings.slow = .seconds(try DurationInput.seconds(slow, option: "--slow", in: 0.001...300))
        guard settings.slow < settings.timeout else {
            throw IncidentError.invalidInput(
                "--slow \(slow) must be shorter than --timeout \(timeout): a probe is cut at the timeout, "
                    + "so it could never be slow")
        }
        settings.failAfter = failAfter
        settings.recoverAfter = recoverAfter
        return settings
    }
}
