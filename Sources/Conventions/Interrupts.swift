import Dispatch
import Foundation
import Synchronization

/// Ctrl-C (SIGINT) and SIGTERM as task cancellation. The first signal cancels the command's task, so that it
/// stops between two steps with nothing half-written, rolls back its transaction and clears what it must; a
/// second one, more than half a second later (a terminal may send two at once), exits at once with 130.
public enum Interrupts {
    /// The exit status of a command stopped by a signal: 128 + SIGINT, as shells report it.
    public static let exitStatus: Int32 = 130

    /// Runs `command` as a task that SIGINT and SIGTERM cancel, and returns how it ended.
    public static func run<T: Sendable>(_ command: sending @escaping () async throws -> T) async -> Result<
        T, any Error
    > {
        let task = Task { try await command() }
        let first = FirstSignal()
        let sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if let earlier = first.record(.now) {
                    if ContinuousClock.now - earlier > .milliseconds(500) { exit(exitStatus) }
                } else {
                    task.cancel()
                }
            }
            source.resume()
            return source
        }
        let result = await task.result
        for source in sources { source.cancel() }
        return result
    }

    /// When the first signal came.
    private final class FirstSignal: Sendable {
        private let instant = Mutex<ContinuousClock.Instant?>(nil)

        /// Records `now` if no signal came before; returns the earlier signal's instant otherwise.
        func record(_ now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
            instant.withLock { earlier in
                if let earlier { return earlier }
                earlier = now
                return nil
            }
        }
    }
}
