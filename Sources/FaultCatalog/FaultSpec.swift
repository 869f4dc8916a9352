import Foundation

/// What a fault does, with its parameters.
public enum FaultAction: Equatable, Sendable {
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
    case kill(replica: ReplicaChoice)
    case pause(replica: ReplicaChoice)
    /// Packets from one hop to another are dropped: `lb` → `replica-N`, or `replica-N` → `db`.
    case partition(from: Hop, to: Hop)
    case dbDown
    case dbLock
    case dbConnections
    case cpuThrottle(replica: ReplicaChoice, cpus: Double)
    /// The replica's memory capped just above what it holds while it leaks: the kernel's OOM killer ends it.
    case oom(replica: ReplicaChoice)
    /// The file system under the database's data filled up.
    case diskFull

    public var type: FaultType {
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
        case .kill: .kill
        case .pause: .pause
        case .partition: .partition
        case .dbDown: .dbDown
        case .dbLock: .dbLock
        case .dbConnections: .dbConnections
        case .cpuThrottle: .cpuThrottle
        case .oom: .oom
        case .diskFull: .diskFull
        }
    }

    /// The parameters as they appear in the fault's JSON, beside `type`, in the catalog's order.
    public var parameters: [(name: String, value: FaultValue)] {
        switch self {
        case .latency(let ms, let jitter): [("ms", .number(Double(ms))), ("jitter_ms", .number(Double(jitter)))]
        case .error(let status): [("status", .number(Double(status)))]
        case .hang(let maxSeconds): [("max_s", .number(maxSeconds))]
        case .crash(let code, let delay): [("exit_code", .number(Double(code))), ("delay_s", .number(delay))]
        case .memoryLeak(let rate, let max): [("mb_per_s", .number(Double(rate))), ("max_mb", .number(Double(max)))]
        case .cpuBurn(let threads): [("threads", .number(Double(threads)))]
        case .kill(let replica), .pause(let replica), .oom(let replica): [("replica", replica.value)]
        case .partition(let from, let to): [("from", .string(from.name)), ("to", .string(to.name))]
        case .cpuThrottle(let replica, let cpus): [("replica", replica.value), ("cpus", .number(cpus))]
        case .abort, .dependencyDown, .notReady, .notLive, .dbDown, .dbLock, .dbConnections, .diskFull: []
        }
    }
}

/// The replica an outside fault hits: one, by its number in the lab (`replica-N`), or every one.
public enum ReplicaChoice: Equatable, Sendable {
    case one(Int)
    case all

    /// The parameter's value: the number, or `"all"`.
    public var value: FaultValue {
        switch self {
        case .one(let number): .number(Double(number))
        case .all: .string("all")
        }
    }
}

/// One hop of the lab's topology, as a partition names it: the load balancer, a replica or the database.
public enum Hop: Equatable, Sendable {
    case loadBalancer
    case replica(Int)
    case database

    /// `lb`, `replica-N` or `db`.
    public var name: String {
        switch self {
        case .loadBalancer: "lb"
        case .replica(let number): "replica-\(number)"
        case .database: "db"
        }
    }

    /// Reads `lb`, `replica-N` (N within ``FaultLimits/replica``) or `db`.
    public init?(name: String) {
        switch name {
        case "lb": self = .loadBalancer
        case "db": self = .database
        default:
            guard name.hasPrefix("replica-"), let number = Int(name.dropFirst("replica-".count)),
                FaultLimits.replica.contains(number)
            else { return nil }
            self = .replica(number)
        }
    }
}

/// A fault as requested: what it does, where, how often and for how long.
public struct FaultSpec: Equatable, Sendable {
    public var action: FaultAction
    /// Chance in 0...1 that the fault acts on one request, store call or probe.
    public var probability: Double
    /// A glob over request paths (`fnmatch`, `*` also crosses `/`); nil means every route but health,
    /// metrics and admin. Only request faults have one.
    public var route: String?
    /// Seconds until the fault expires by itself.
    public var durationSeconds: Double

    /// How long a fault lasts when its request does not say.
    public static let defaultDurationSeconds = 300.0

    public init(
        action: FaultAction, probability: Double = 1, route: String? = nil,
        durationSeconds: Double = FaultSpec.defaultDurationSeconds
    ) {
        self.action = action
        self.probability = probability
        self.route = route
        self.durationSeconds = durationSeconds
    }

    /// Paths no default-route fault touches: probes and metrics must keep telling the truth.
    public static let healthPaths: Set<String> = ["/livez", "/readyz", "/metrics"]

    /// Whether this fault's route covers `path`. The admin API is never covered, so a fault can always
    /// be cleared.
    public func covers(path: String) -> Bool {
        if path == "/admin" || path.hasPrefix("/admin/") { return false }
        guard let route else { return !Self.healthPaths.contains(path) }
        return fnmatch(route, path, 0) == 0
    }
}

/// The bounds on fault parameters: a game day must never become a real outage of the machine.
public enum FaultLimits {
    public static let latencyMilliseconds = 0...60_000
    public static let errorStatus = 400...599
    public static let hangSeconds = 0.001...300
    public static let exitCode = 0...255
    public static let crashDelaySeconds = 0.0...3600
    public static let leakMegabytesPerSecond = 1...1024
    public static let leakMaxMegabytes = 1...4096
    public static let cpuThreads = 1...32
    public static let durationSeconds = 0.001...86_400
    public static let routeLength = 1...256
    /// The replicas an outside fault may name: the lab runs at most 8.
    public static let replica = 1...8
    /// A CPU quota, in cores, for cpu_throttle.
    public static let throttleCPUs = 0.01...1.0
}

extension FaultSpec {
    /// Refuses an outside fault, which the app cannot play on itself: the lab's keeper plays those.
    public func checkPlayableByApp() throws(FaultRequestError) {
        guard action.type.isOutside else { return }
        throw FaultRequestError(
            "\(action.type.rawValue) is a fault from outside the app: the lab's keeper plays it, not the app's "
                + "admin API (scripts/lab.sh up, then incident inject with INCIDENT_LAB_URL from lab.env)")
    }
}
