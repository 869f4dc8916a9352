import FaultCatalog
import Foundation
import Logging
import Synchronization

/// The faults in force, within their ``FaultCaps``. Activating one starts its effect and its expiry; clearing
/// or expiry stops both.
/// Every change is logged and reflected in `app_faults_active`; every time a fault acts it counts in
/// `app_faults_injected_total`.
public final class FaultRegistry: Sendable {
    private struct Entry {
        var fault: ActiveFault
        var expiry: Task<Void, Never>
        var effect: (any ProcessFaultEffect)?
    }

    private struct State {
        var nextID = 1
        var entries: [Entry] = []
    }

    private let state = Mutex(State())
    private let caps: FaultCaps
    /// How many request faults are in force: with none, requests skip the lock.
    private let requestFaultCount = Atomic(0)
    private let metrics: AppMetrics
    private let logger: Logger

    init(caps: FaultCaps, metrics: AppMetrics, logger: Logger) {
        self.caps = caps
        self.metrics = metrics
        self.logger = logger
    }

    /// Puts `spec` in force now and returns it with its id and times, unless it would pass a cap.
    func activate(_ spec: FaultSpec) throws(FaultCapExceeded) -> ActiveFault {
        let fault = try state.withLock { state throws(FaultCapExceeded) in
            try caps.admit(spec, alongside: state.entries.map(\.fault.spec))
            let fault = ActiveFault(id: state.nextID, spec: spec, activatedAt: Date())
            state.nextID += 1
            let expiry = Task { [weak self] in
                try? await Task.sleep(for: .seconds(spec.durationSeconds))
                guard !Task.isCancelled else { return }
                _ = self?.remove(id: fault.id, event: "fault expired")
            }
            let effect = startEffect(of: fault)
            state.entries.append(Entry(fault: fault, expiry: expiry, effect: effect))
            if spec.action.type.actsOnRequests { requestFaultCount.add(1, ordering: .relaxed) }
            return fault
        }
        metrics.faultsActive(fault.spec.action.type).increment()
        logger.notice("fault activated", metadata: fault.logMetadata)
        return fault
    }

    /// The faults in force, oldest first.
    public var active: [ActiveFault] { faults { _ in true } }

    private func faults(where isIncluded: (ActiveFault) -> Bool) -> [ActiveFault] {
        state.withLock { state in state.entries.compactMap { isIncluded($0.fault) ? $0.fault : nil } }
    }

    /// Ends the fault `id`; nil when no such fault is in force.
    func clear(id: Int) -> ActiveFault? {
        remove(id: id, event: "fault cleared")
    }

    /// Ends every fault in force and returns them.
    func clearAll() -> [ActiveFault] {
        active.compactMap { clear(id: $0.id) }
    }

    private func remove(id: Int, event: Logger.Message) -> ActiveFault? {
        let removed: Entry? = state.withLock { state in
            guard let index = state.entries.firstIndex(where: { $0.fault.id == id }) else { return nil }
            if state.entries[index].fault.spec.action.type.actsOnRequests {
                requestFaultCount.subtract(1, ordering: .relaxed)
            }
            return state.entries.remove(at: index)
        }
        guard let removed else { return nil }
        removed.expiry.cancel()
        removed.effect?.stop()
        metrics.faultsActive(removed.fault.spec.action.type).decrement()
        logger.notice(event, metadata: removed.fault.logMetadata)
        return removed.fault
    }

    /// What the request faults in force do to a request for `path`, each having rolled its probability.
    func plan(forPath path: String) -> RequestFaultPlan {
        var plan = RequestFaultPlan()
        guard requestFaultCount.load(ordering: .relaxed) > 0 else { return plan }
        let candidates = faults { $0.spec.action.type.actsOnRequests && $0.spec.covers(path: path) }
        for fault in candidates where fault.rollsHit() {
            plan.add(fault)
        }
        return plan
    }

    /// The fault of `type` (`dependency_down`, `not_ready`, `not_live`) that makes this call or probe
    /// fail, if any, counted as injected.
    func failure(_ type: FaultType) -> ActiveFault? {
        guard let fault = faults(where: { $0.spec.action.type == type }).first(where: { $0.rollsHit() }) else {
            return nil
        }
        countInjected(fault)
        return fault
    }

    /// Records that `fault` acted on a request or call.
    func countInjected(_ fault: ActiveFault) {
        metrics.faultInjected(fault.spec.action.type)
    }

    /// Starts the effect of a process fault. Leaks and burns act at once and count as injected now; a crash
    /// counts when it fires.
    private func startEffect(of fault: ActiveFault) -> (any ProcessFaultEffect)? {
        let type = fault.spec.action.type
        switch fault.spec.action {
        case .crash(let exitCode, let delay):
            return Crash(exitCode: exitCode, delaySeconds: delay, logger: logger) { [metrics] in
                metrics.faultInjected(type)
            }
        case .memoryLeak(let rate, let max):
            metrics.faultInjected(type)
            return MemoryLeak(megabytesPerSecond: rate, maxMegabytes: max)
        case .cpuBurn(let threads):
            metrics.faultInjected(type)
            return CPUBurn(threads: threads)
        default:
            return nil
        }
    }
}

/// The combined effect of the request faults that hit one request: delays add up, and the oldest
/// fault that ends the request (error, abort, hang) decides how.
struct RequestFaultPlan {
    var delay: Duration = .zero
    var ending: ActiveFault?
    var faults: [ActiveFault] = []

    var isEmpty: Bool { faults.isEmpty }

    mutating func add(_ fault: ActiveFault) {
        switch fault.spec.action {
        case .latency(let ms, let jitter):
            delay += .milliseconds(ms + (jitter > 0 ? Int.random(in: 0...jitter) : 0))
            faults.append(fault)
        default:
            guard ending == nil else { return }
            ending = fault
            faults.append(fault)
        }
    }
}

extension ActiveFault {
    func rollsHit() -> Bool {
        spec.probability >= 1 || Double.random(in: 0..<1) < spec.probability
    }

    var logMetadata: Logger.Metadata {
        var metadata: Logger.Metadata = [
            "fault_id": .stringConvertible(id), "fault_type": .string(spec.action.type.rawValue),
            "duration_s": .number(spec.durationSeconds), "expires_at": .string(expiresAt.rfc3339),
        ]
        for (name, value) in spec.action.parameters {
            if case .number(let number) = value { metadata[name] = .number(number) }
        }
        if spec.action.type.takesProbability { metadata["probability"] = .number(spec.probability) }
        if let route = spec.route { metadata["route"] = "\(route)" }
        return metadata
    }
}

extension Logger.MetadataValue {
    /// A fault parameter as the log writes it: the catalog keeps every number as a `Double`, but a whole
    /// number prints as one (`503`, not `503.0`).
    static func number(_ number: Double) -> Self {
        number == number.rounded() && abs(number) < 1e15 ? .stringConvertible(Int(number)) : .stringConvertible(number)
    }
}
