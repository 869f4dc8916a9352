import Logging
import ServiceLifecycle
import Synchronization

/// Where the server is in its life. `/readyz` answers 503 unless it is serving; hangs end early once it
/// drains, so a shutdown never waits for an injected hang.
public final class ServingLifecycle: Sendable {
    public enum Phase: UInt8 {
        case starting, serving, draining
    }

    private let rawPhase = Atomic(Phase.starting.rawValue)

    public var phase: Phase { Phase(rawValue: rawPhase.load(ordering: .acquiring))! }

    /// Called once the listening socket is bound.
    public func markServing() {
        _ = rawPhase.compareExchange(
            expected: Phase.starting.rawValue, desired: Phase.serving.rawValue, ordering: .acquiringAndReleasing)
    }

    public func beginDraining() {
        rawPhase.store(Phase.draining.rawValue, ordering: .releasing)
    }

    /// Sleeps for `duration`, or until draining begins if that is sooner.
    func sleep(for duration: Duration) async {
        let deadline = ContinuousClock.now + duration
        while phase != .draining, ContinuousClock.now < deadline {
            try? await Task.sleep(for: min(.milliseconds(50), deadline - .now))
        }
    }
}

/// The first service to stop on SIGTERM or SIGINT: readiness turns 503 at once, and the server keeps
/// serving for `delay` so that load balancers stop sending traffic before it stops listening. Then the
/// server stops, letting requests in flight finish.
struct DrainService: Service {
    let lifecycle: ServingLifecycle
    let delay: Duration
    let logger: Logger

    func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return  // cancelled: no graceful shutdown to prepare
        }
        lifecycle.beginDraining()
        logger.notice(
            "draining: readiness answers 503", metadata: ["drain_delay_s": .stringConvertible(delay / .seconds(1))])
        try? await Task.sleep(for: delay)
    }
}
