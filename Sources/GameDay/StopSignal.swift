import Dispatch
import Foundation
import Synchronization

/// A request to stop a long-running command between two of its steps: SIGINT (Ctrl-C) or SIGTERM, so
/// that nothing is left half-written and every fault it injected can be cleared first.
public final class StopSignal: Sendable {
    private let stopped = Atomic(false)
    /// The signal sources that call ``stop()``, kept alive as long as this value; set once, at creation.
    nonisolated(unsafe) private var sources: [any DispatchSourceSignal] = []

    public init() {}

    /// A stop signal raised by SIGINT and SIGTERM, which no longer end the process by themselves.
    public static func onInterrupt() -> StopSignal {
        let signal = StopSignal()
        signal.sources = [SIGINT, SIGTERM].map { number in
            Foundation.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { signal.stop() }
            source.resume()
            return source
        }
        return signal
    }

    public func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    public var isStopped: Bool { stopped.load(ordering: .relaxed) }

    /// Sleeps until `deadline`, or until stopped if that is sooner.
    public func sleep(until deadline: ContinuousClock.Instant) async {
        while !isStopped, ContinuousClock.now < deadline {
            try? await Task.sleep(for: min(.milliseconds(100), deadline - .now))
        }
    }
}
