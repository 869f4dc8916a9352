/// The failures the service can inject into itself (docs/contract.md, "Fault types").
public enum FaultType: String, CaseIterable, Codable, Sendable {
    case latency, error, abort, hang, crash
    case memoryLeak = "memory_leak"
    case cpuBurn = "cpu_burn"
    case dependencyDown = "dependency_down"
    case notReady = "not_ready"
    case notLive = "not_live"

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
