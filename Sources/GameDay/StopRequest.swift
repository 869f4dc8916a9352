import Conventions
import Synchronization

/// A request to stop a long-running piece of work between two of its steps, made when its command is
/// cancelled (Ctrl-C, SIGTERM; see ``Interrupts``). The work itself runs uncancelled, so that the steps it
/// still takes after the request (clearing every fault it injected, recording how it ended) are not refused
/// as cancelled.
public final class StopRequest: Sendable {
    private let stopped = Atomic(false)

    public init() {}

    public func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    public var isStopped: Bool { stopped.load(ordering: .relaxed) }

    /// Sleeps until `deadline`, or until stopped if that is sooner (noticed within 100 ms).
    public func sleep(until deadline: ContinuousClock.Instant) async {
        while !isStopped, ContinuousClock.now < deadline {
            try? await Task.sleep(for: min(.milliseconds(100), deadline - .now))
        }
    }

    /// Runs `work` uncancelled; when the calling task is cancelled meanwhile, `work` is asked to stop through
    /// the request it is given.
    public static func running<T: Sendable>(_ work: @escaping @Sendable (StopRequest) async throws -> T)
        async throws -> T
    {
        let request = StopRequest()
        return try await withTaskCancellationHandler {
            try await uncancelled { try await work(request) }
        } onCancel: {
            request.stop()
        }
    }
}
