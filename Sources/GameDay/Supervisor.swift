import Foundation
import Synchronization

/// Runs the service under test for a game day and restarts it whenever it exits, as systemd's
/// `Restart=always` or a container runtime's restart policy would, so that a `crash` step can recover and
/// its time to recover includes the restart. Restarts back off (0.2 s, doubling up to 5 s) while the service
/// keeps dying young. Stopping it sends SIGTERM to its process group, then SIGKILL after a grace period.
public final class Supervisor: Sendable {
    private struct State {
        var pid: pid_t = 0
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

    /// Starts the service in a process group of its own, and a thread that restarts it when it exits.
    public func start() throws {
        let pid = try spawn()
        state.withLock { $0.pid = pid }
        let thread = Thread { [self] in watch(pid) }
        thread.name = "supervisor"
        thread.start()
    }

    private func spawn() throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The service starts as from a shell: default signal dispositions (this process ignores SIGINT and
        // SIGTERM while it handles them; see Interrupts) and nothing blocked, in a process group of its own.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT] { sigaddset(&defaults, number) }
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var pid: pid_t = 0
        let words: [String] = ["/bin/sh", "-c", command]
        let arguments: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        let status = posix_spawn(&pid, "/bin/sh", &actions, &attributes, arguments, environ)
        guard status == 0 else {
            throw SupervisorError(description: "cannot start `\(command)`: \(String(cString: strerror(status)))")
        }
        return pid
    }

    /// Waits for `pid` to exit and starts the service again, until stopped.
    private func watch(_ pid: pid_t) {
        var current = pid
        while true {
            let started = ContinuousClock.now
            var status: Int32 = 0
            while waitpid(current, &status, 0) < 0 && errno == EINTR {}
            let delay = state.withLock { state -> Duration? in
                guard !state.stopping else { return nil }
                state.restarts += 1
                state.delay =
                    ContinuousClock.now - started > Self.healthyUptime
                    ? Self.firstDelay : min(state.delay * 2, Self.longestDelay)
                return state.delay
            }
            guard let delay else { return }
            Thread.sleep(forTimeInterval: delay / .seconds(1))
            guard let next = try? spawn() else { return }
            let keep = state.withLock { state -> Bool in
                state.pid = next
                state.restartedAt = Date()
                return !state.stopping
            }
            if !keep { kill(-next, SIGTERM) }
            current = next
        }
    }

    /// Stops the service for good: SIGTERM to its process group, then SIGKILL if it is still running after
    /// `grace`.
    public func stop(grace: Duration = .seconds(10)) {
        let pid = state.withLock { state in
            state.stopping = true
            return state.pid
        }
        guard pid > 0 else { return }
        kill(-pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while kill(-pid, 0) == 0 && ContinuousClock.now < deadline { usleep(20_000) }
        if kill(-pid, 0) == 0 { kill(-pid, SIGKILL) }
    }
}

/// The supervised service could not be started.
public struct SupervisorError: Error, CustomStringConvertible {
    public let description: String
}
