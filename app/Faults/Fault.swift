import Foundation

/// The failures the service can inject into itself (DESIGN.md §6).
enum FaultType: String, CaseIterable, Codable, Sendable {
    case latency, error, abort, hang, crash
    case memoryLeak = "memory_leak"
    case cpuBurn = "cpu_burn"
    case dependencyDown = "dependency_down"
    case notReady = "not_ready"
    case notLive = "not_live"

    /// Faults that act on individual requests, chosen by `route` and `probability`.
    var actsOnRequests: Bool {
        switch self {
        case .latency, .error, .abort, .hang: true
        default: false
        }
    }

    /// Whether `probability` means something for this type: per request, per store call, or per probe.
    var takesProbability: Bool {
        actsOnRequests || self == .dependencyDown || self == .notReady || self == .notLive
    }
}

/// What a fault does, with its parameters.
enum FaultAction: Equatable, Sendable {
    case latency(milliseconds: Int, jitterMilliseconds: Int)
    case error(status: Int)
    case abort
    case hang(maxSeconds: Double)
    case crash(exitCode: Int32, delaySeconds: Double)
    case memoryLeak(megabytesPerSecond: Int, maxMegabytes: Int)
    case cpuBurn(threads: Int)
    case dependencyDown
    case notReady
    case notLive

    var type: FaultType {
        switch self {
        case .latency: .latency
        case .error: .error
        case .abort: .abort
        case .hang: .hang
        case .crash: .crash
        case .memoryLeak: .memoryLeak
        case .cpuBurn: .cpuBurn
        case .dependencyDown: .dependencyDown
        case .notReady: .notReady
        case .notLive: .notLive
        }
    }

    /// The parameters as they appear in the fault's JSON, beside `type`.
    var parameters: [(String, FaultValue)] {
        switch self {
        case .latency(let ms, let jitter): [("ms", .number(Double(ms))), ("jitter_ms", .number(Double(jitter)))]
        case .error(let status): [("status", .number(Double(status)))]
        case .hang(let maxSeconds): [("max_s", .number(maxSeconds))]
        case .crash(let code, let delay): [("exit_code", .number(Double(code))), ("delay_s", .number(delay))]
        case .memoryLeak(let rate, let max): [("mb_per_s", .number(Double(rate))), ("max_mb", .number(Double(max)))]
        case .cpuBurn(let threads): [("threads", .number(Double(threads)))]
        case .abort, .dependencyDown, .notReady, .notLive: []
        }
    }
}

/// A fault as requested: what it does, where, how often and for how long.
struct FaultSpec: Equatable, Sendable {
    var action: FaultAction
    /// Chance in 0...1 that the fault acts on one request, store call or probe.
    var probability: Double
    /// A glob over request paths (`fnmatch`, `*` also crosses `/`); nil means every route but health,
    /// metrics and admin. Only request faults have one.
    var route: String?
    /// Seconds until the fault expires by itself.
    var durationSeconds: Double
}

/// A fault in force: its spec, the id to clear it by, and when it started and ends.
struct ActiveFault: Sendable {
    let id: Int
    let spec: FaultSpec
    let activatedAt: Date
    var expiresAt: Date { activatedAt.addingTimeInterval(spec.durationSeconds) }
}

extension ActiveFault: Encodable {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: FaultValue.Key.self)
        try container.encode(id, forKey: "id")
        try container.encode(spec.action.type.rawValue, forKey: "type")
        for (name, value) in spec.action.parameters {
            try container.encode(value, forKey: .init(name))
        }
        if spec.action.type.takesProbability {
            try container.encode(spec.probability, forKey: "probability")
        }
        if spec.action.type.actsOnRequests {
            try container.encode(spec.route, forKey: "route")
        }
        try container.encode(spec.durationSeconds, forKey: "duration_s")
        try container.encode(activatedAt.rfc3339, forKey: "activated_at")
        try container.encode(expiresAt.rfc3339, forKey: "expires_at")
    }
}

extension Date {
    /// RFC 3339 in UTC with milliseconds, `2026-11-29T04:09:34.578Z`, as logs and the API show times.
    var rfc3339: String {
        var bytes: [UInt8] = []
        appendRFC3339(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `rfc3339` to `out`, by `gmtime_r`: Foundation's ISO 8601 format style costs several times
    /// more, on every request's log line, and rounds some milliseconds wrong.
    func appendRFC3339(to out: inout [UInt8]) {
        let milliseconds = Int64((timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = Int((Double(milliseconds) / 1000).rounded(.down))  // floor, also before 1970
        let fraction = Int32(milliseconds - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func append(_ value: Int32, digits: Int, then separator: UInt8) {
            var divisor: Int32 = 1
            for _ in 1..<digits { divisor *= 10 }
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
            out.append(separator)
        }
        append(parts.tm_year + 1900, digits: 4, then: UInt8(ascii: "-"))
        append(parts.tm_mon + 1, digits: 2, then: UInt8(ascii: "-"))
        append(parts.tm_mday, digits: 2, then: UInt8(ascii: "T"))
        append(parts.tm_hour, digits: 2, then: UInt8(ascii: ":"))
        append(parts.tm_min, digits: 2, then: UInt8(ascii: ":"))
        append(parts.tm_sec, digits: 2, then: UInt8(ascii: "."))
        append(fraction, digits: 3, then: UInt8(ascii: "Z"))
    }
}
