import Conventions
import Foundation
import IncidentKit

/// One run of the deploy command (`scripts/deploy.sh RELEASE --strategy S --json …`), read while it runs: its
/// JSON-lines events say when the release took traffic and how much of it, who stopped it, and how it ended.
struct DeployRun {
    /// One line the deploy command printed.
    struct Event: Decodable, Sendable {
        var event: String
        var atMs: Int64
        var message: String?
        var replica: String?
        var version: String?
        var share: Double?
        var reason: String?
        var by: String?
        var result: String?
        var deploy: Int64?
        var notes: String?
        var before: [String]?

        var at: Timestamp { Timestamp(milliseconds: atMs) }

        enum CodingKeys: String, CodingKey {
            case event, message, replica, version, share, reason, by, result, deploy, notes, before
            case atMs = "at_ms"
        }
    }

    let process: ChildProcess
    private let folder: String
    private var read: UInt64 = 0
    private var partial = Data()

    /// Starts `command` (a shell command line) with `arguments`, its output kept in a temporary folder.
    init(command: String, arguments: [String]) throws {
        folder = NSTemporaryDirectory() + "incident-deploy-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        do {
            process = try ChildProcess(
                "/bin/sh", ["-c", command + #" "$@""#, "deploy"] + arguments, output: folder + "/events.jsonl",
                errors: folder + "/errors.txt", processGroup: true)
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw IncidentError.unavailable("cannot start the deploy command `\(command)`: \(error)")
        }
    }

    /// The events printed since the last call; a line that is not an event becomes a `message`.
    mutating func events() -> [Event] {
        guard let file = FileHandle(forReadingAtPath: folder + "/events.jsonl") else { return [] }
        defer { try? file.close() }
        try? file.seek(toOffset: read)
        let data = (try? file.readToEnd()) ?? Data()
        read += UInt64(data.count)
        partial.append(data)
        guard let end = partial.lastIndex(of: UInt8(ascii: "\n")) else { return [] }
        let complete = partial[..<end]
        partial = Data(partial[partial.index(after: end)...])
        let decoder = JSONDecoder()
        return complete.split(separator: UInt8(ascii: "\n")).map { line in
            (try? decoder.decode(Event.self, from: Data(line)))
                ?? Event(
                    event: "message", atMs: Timestamp.now.milliseconds,
                    message: String(decoding: line, as: UTF8.self))
        }
    }

    /// What the command wrote to standard error, for a refusal's message.
    var errors: String {
        ((try? String(contentsOfFile: folder + "/errors.txt", encoding: .utf8)) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Asks the deploy to stop: it rolls back what it changed, as on Ctrl-C.
    func interrupt() {
        process.send(SIGINT, toGroup: true)
    }

    /// Removes the run's temporary folder.
    func discard() {
        try? FileManager.default.removeItem(atPath: folder)
    }
}

/// Which replicas served a release users could reach, and for how long: a canary stopped before it took
/// traffic exposed no one.
struct Exposure {
    /// The release watched.
    var version: String?
    private var serving: [String: Double] = [:]
    private var since: Timestamp?
    /// The largest share of traffic the release had at once.
    private(set) var peakShare = 0.0
    /// How long the release served some of the traffic, in seconds, in exposures that ended.
    private var seconds = 0.0
    private(set) var firstServed: Timestamp?

    /// Follows one event of the deploy command.
    mutating func observe(_ event: DeployRun.Event) {
        switch event.event {
        case "started":
            version = version ?? event.version
        case "serving":
            guard let replica = event.replica else { return }
            if event.version == version {
                serving[replica] = event.share ?? 0
                peakShare = max(peakShare, serving.values.reduce(0, +))
                firstServed = firstServed ?? event.at
                since = since ?? event.at
            } else {
                end(replica, at: event.at)
            }
        case "draining":
            if let replica = event.replica { end(replica, at: event.at) }
        default:
            break
        }
    }

    private mutating func end(_ replica: String, at: Timestamp) {
        guard serving.removeValue(forKey: replica) != nil, serving.isEmpty, let started = since else { return }
        seconds += started.seconds(until: at)
        since = nil
    }

    /// How long the release served traffic up to `at`, counting an exposure still running then.
    func seconds(upTo at: Timestamp) -> Double {
        seconds + (since.map { $0.seconds(until: at) } ?? 0)
    }

    /// How the scorecard says it, up to `at`: `none`, or the peak share and how long (`5% for 4 s`; with
    /// `ofTraffic`, `5% of the traffic for 4 s`).
    func text(upTo at: Timestamp, ofTraffic: Bool = false) -> String {
        guard firstServed != nil else { return "none" }
        return "\(Int((peakShare * 100).rounded()))%\(ofTraffic ? " of the traffic" : "") for "
            + DurationText.human(seconds(upTo: at))
    }
}
