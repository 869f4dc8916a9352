/// The failures the catalog knows (docs/contract.md, "Fault types"): the app's own, which it plays on itself
/// through its admin API, and the outside ones, which the lab's keeper plays on the processes, network,
/// database and cgroups the lab started.
public enum FaultType: String, CaseIterable, Codable, Sendable {
    case latency, error, abort, hang, crash
    case memoryLeak = "memory_leak"
    case cpuBurn = "cpu_burn"
    case dependencyDown = "dependency_down"
    case notReady = "not_ready"
    case notLive = "not_live"
    case kill, pause, partition
    case dbDown = "db_down"
    case dbLock = "db_lock"
    case dbConnections = "db_connections"
    case cpuThrottle = "cpu_throttle"
    case oom
    case diskFull = "disk_full"

    /// Faults from outside the app: the lab's keeper (`scripts/lab_keeper.py`) plays them, and the app's
    /// admin API refuses them.
    public var isOutside: Bool {
        switch self {
        case .kill, .pause, .partition, .dbDown, .dbLock, .dbConnections, .cpuThrottle, .oom, .diskFull: true
        default: false
        }
    }

    /// The faults the app plays on itself.
    public static var appCases: [FaultType] { allCases.filter { !$0.isOutside } }

    /// Faults that act on individual requests, chosen by `route` and `probability`.
    public var actsOnRequests: Bool {
        switch self {
        case .latency, .error, .abort, .hang: true
        default: false
        }
    }

    /// Whether `probability` means something for this type: per request, per store call, or per probe.
    public var takesProbability: Bool {
        actsOnRequests || self == .dependencyDown || self == .notReady || self == .notLive
    }

    /// Every type's name, as messages list them.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
