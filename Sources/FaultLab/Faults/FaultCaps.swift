import FaultCatalog

/// How much fault the process may carry at once, over every fault in force: each fault's own bounds
/// (``FaultLimits``) do not stop a game day from stacking them until the machine itself falls over. Past a cap
/// the admin API answers 409 and `APP_FAULTS` is refused at start-up.
public struct FaultCaps: Sendable, Equatable {
    /// Faults in force at once (`APP_MAX_FAULTS`).
    public var faults = 100
    /// Megabytes that `memory_leak` faults may hold together, each counted at its `max_mb`
    /// (`APP_MAX_LEAK_MB`; 0 refuses every leak).
    public var leakMegabytes = 512
    /// Threads that `cpu_burn` faults may spin together (`APP_MAX_BURN_THREADS`; 0 refuses every burn).
    public var burnThreads = 32

    /// What each setting accepts.
    static let faultsRange = 1...10_000
    static let leakMegabytesRange = 0...65_536
    static let burnThreadsRange = 0...1_024

    /// Refuses `new` when, with the faults `active`, it would pass a cap; the error names the cap and the
    /// setting that raises it.
    func admit(_ new: FaultSpec, alongside active: [FaultSpec]) throws(FaultCapExceeded) {
        guard active.count < faults else {
            throw FaultCapExceeded(
                "\(faults) faults are in force, the most APP_MAX_FAULTS allows; clear one first, or raise APP_MAX_FAULTS"
            )
        }
        try admitTotal(of: \.leakMegabytes, new, alongside: active, cap: leakMegabytes) { total in
            "memory_leak faults would hold up to \(total) MB together, over the \(leakMegabytes) MB "
                + "APP_MAX_LEAK_MB allows; clear a leak, lower max_mb, or raise APP_MAX_LEAK_MB"
        }
        try admitTotal(of: \.burnThreads, new, alongside: active, cap: burnThreads) { total in
            "cpu_burn faults would spin \(total) threads together, over the \(burnThreads) "
                + "APP_MAX_BURN_THREADS allows; clear a burn, lower threads, or raise APP_MAX_BURN_THREADS"
        }
    }

    /// Refuses `new` when it takes some of `amount` and the faults together would take more than `cap`;
    /// `refusal` words the message for the total.
    private func admitTotal(
        of amount: KeyPath<FaultAction, Int>, _ new: FaultSpec, alongside active: [FaultSpec], cap: Int,
        refusal: (Int) -> String
    ) throws(FaultCapExceeded) {
        guard new.action[keyPath: amount] > 0 else { return }
        let total = (active + [new]).reduce(0) { $0 + $1.action[keyPath: amount] }
        guard total <= cap else { throw FaultCapExceeded(refusal(total)) }
    }
}

/// A fault refused because it would pass one of the ``FaultCaps``; the message names the cap and its setting.
public struct FaultCapExceeded: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}

extension FaultAction {
    /// The memory a `memory_leak` fault may hold, in megabytes; 0 for other faults.
    fileprivate var leakMegabytes: Int {
        if case .memoryLeak(_, let maxMegabytes) = self { maxMegabytes } else { 0 }
    }

    /// The threads a `cpu_burn` fault spins; 0 for other faults.
    fileprivate var burnThreads: Int {
        if case .cpuBurn(let threads) = self { threads } else { 0 }
    }
}
