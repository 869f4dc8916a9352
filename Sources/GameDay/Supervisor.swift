import Conventions
import Foundation
import Synchronization

/// Runs the service under test for a game day and restarts it whenever it exits, as systemd's
/// `Restart=always` or a container runtime's restart policy would, so that a `crash` step can recover and
/// its time to recover includes the restart. Restarts back off (0.2 s, doubling up to 5 s) while the service
/// keeps dying young. Stopping it sends SIGTERM to its process group, then SIGKILL after a grace period.
public final class Supervisor: Sendable {
    private struct State {
        var service: ChildProcess?
        var stopping = false
        var restarts = 0
        var delay = Supervisor.firstDelay
        var restartedAt: Date?
    }

    static let firstDelay = Duration.milliseconds(200)
    static let longestDelay = Duration.seconds(5)
    /// A service that ran this long before exiting restarts at once again.
    static let healthyUptime = Duration.seconds(10)

    /// The shell command that starts the service.
    public let command: String
    /// Where the service's output goes; nil discards it.
    let log: String?
    private let state = Mutex(State())

    public init(command: String, log: String? = nil) {
        self.command = command
        self.log = log
    }

    /// How many times the service was started again after exiting.
    public var restarts: Int { state.withLock { $0.restarts } }

    /// When the service was last started again after exiting.
    public var restartedAt: Date? { state.withLock { $0.restartedAt } }

    /// Starts the service in a process group of its own, and a task that restarts it when it exits.
    public func start() throws {
        let service = try spawn()
        state.withLock { $0.service = service }
        Task.detached { [self] in await watch(service) }
    }

    private func spawn() throws -> ChildProcess {
        do {
            return try ChildProcess(
                "/bin/sh", ["-c", command], output: log ?? "/dev/null", appending: true, processGroup: true)
        } catch {
            throw SupervisorError(description: "cannot start `\(command)`: \(error)")
        }
    }

    /// Waits for the service to exit and starts it again, until stopped.
    private func watch(_ first: ChildProcess) async {
        var current = first
        while true {
            let started = ContinuousClock.now
            await current.waitUntilExit()
            let delay = state.withLock { state -> Duration? in
                guard !state.stopping else { return nil }
                state.restarts += 1
                state.delay =
                    ContinuousClock.now - started > Self.healthyUptime
                    ? Self.firstDelay : min(state.delay * 2, Self.longestDelay)
                return state.delay
            }
            guard let delay else { return }
            await pause(seconds: delay / .seconds(1))
            guard let next = try? spawn() else { return }
            let keep = state.withLock { state -> Bool in
                state.service = next
                state.restartedAt = Date()
                return !state.stopping
            }
            if !keep { next.send(SIGTERM, toGroup: true) }
            current = next
        }
    }

    /// Stops the service for good: SIGTERM to its process group, then SIGKILL if anything of it is still
    /// running after `grace`.
    public func stop(grace: Duration = .seconds(10)) async {
        let service = state.withLock { state in
            state.stopping = true
            return state.service
        }
        guard let group = service?.processIdentifier else { return }
        kill(-group, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while kill(-group, 0) == 0 && ContinuousClock.now < deadline { await pause(seconds: 0.02) }
        if kill(-group, 0) == 0 { kill(-group, SIGKILL) }
        _ = service?.isRunning  // collects the leader's status
    }
}

/// The supervised service could not be started.
public struct SupervisorError: Error, CustomStringConvertible {
    public let description: String
}
