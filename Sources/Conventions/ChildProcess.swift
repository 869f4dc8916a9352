import Foundation
import Synchronization

/// A program started with `posix_spawn`, the one way this project starts processes: the supervised service
/// and every process the tests run. Its standard streams come from and go to files, its environment is given
/// explicitly, and it starts as from a shell: default signal dispositions and no signal blocked, whatever this
/// process ignores or blocks. Foundation's `Process` is not used; it crashed when tests spawned processes
/// concurrently.
public final class ChildProcess: Sendable {
    public let processIdentifier: pid_t
    /// The status `waitpid` reported once the process ended; nil while it runs.
    private let waitStatus = Mutex<Int32?>(nil)

    /// Starts `executable` (a path) with `arguments`.
    /// - Parameters:
    ///   - environment: the whole environment of the program; nil passes this process's on.
    ///   - directory: the working directory; nil keeps this process's.
    ///   - input: the file standard input reads.
    ///   - output: the file standard output writes, created if missing and emptied unless `appending`.
    ///   - errors: the file standard error writes, likewise; nil sends it where the output goes.
    ///   - processGroup: whether the program leads a process group of its own, so that a signal to the group
    ///     reaches everything it starts.
    public init(
        _ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil,
        directory: String? = nil, input: String = "/dev/null", output: String = "/dev/null", errors: String? = nil,
        appending: Bool = false, processGroup: Bool = false
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let writing = O_WRONLY | O_CREAT | (appending ? O_APPEND : O_TRUNC)
        posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, writing, 0o644)
        if let errors {
            posix_spawn_file_actions_addopen(&actions, 2, errors, writing, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, number) }
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        var flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK
        if processGroup {
            flags |= POSIX_SPAWN_SETPGROUP
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        // posix_spawn has no portable way to change directory: a shell does it, then becomes the program.
        let words =
            directory.map { ["/bin/sh", "-c", #"cd -- "$0" && exec "$@""#, $0, executable] } ?? [executable]
        let argv: [UnsafeMutablePointer<CChar>?] = (words + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        let pairs = environment.map { $0.map { "\($0.key)=\($0.value)" } }
        let envp: [UnsafeMutablePointer<CChar>?]? = pairs.map { $0.map { strdup($0) } + [nil] }
        defer { for entry in envp ?? [] { free(entry) } }

        var pid: pid_t = 0
        let status =
            envp.map { envp in posix_spawn(&pid, words[0], &actions, &attributes, argv, envp) }
            ?? posix_spawn(&pid, words[0], &actions, &attributes, argv, environ)
        guard status == 0 else {
            throw SystemError("cannot start \(executable)", code: status)
        }
        processIdentifier = pid
    }

    /// Whether the process is still running; the first call after it ended collects its status.
    public var isRunning: Bool {
        waitStatus.withLock { status in
            guard status == nil else { return false }
            var raw: Int32 = 0
            var result: pid_t
            repeat { result = waitpid(processIdentifier, &raw, WNOHANG) } while result < 0 && errno == EINTR
            if result == processIdentifier { status = raw }
            return status == nil
        }
    }

    /// The exit code of a process that exited, or the number of the signal that ended it.
    /// Only meaningful once the process has ended.
    public var terminationStatus: Int32 {
        let raw = waitStatus.withLock { $0 } ?? 0
        return raw & 0x7f == 0 ? (raw >> 8) & 0xff : raw & 0x7f
    }

    /// Whether a signal ended the process (rather than its own exit).
    public var terminatedBySignal: Bool {
        let raw = waitStatus.withLock { $0 } ?? 0
        return raw & 0x7f != 0
    }

    /// Sends `signal` to the process, or to its whole process group.
    public func send(_ signal: Int32, toGroup: Bool = false) {
        guard isRunning else { return }
        kill(toGroup ? -processIdentifier : processIdentifier, signal)
    }

    /// Ends the process with SIGKILL and collects it, blocking for the moment that takes: for a `deinit`,
    /// which cannot await.
    public func killNow() {
        send(SIGKILL)
        while isRunning { usleep(1_000) }
    }

    /// Waits until the process has ended, without holding a thread, and returns ``terminationStatus``. A
    /// cancelled task waits too: a child must be collected.
    @discardableResult
    public func waitUntilExit() async -> Int32 {
        while isRunning { await pause(seconds: 0.01) }
        return terminationStatus
    }
}

/// Suspends the task for `seconds` without holding a thread, whether or not the task is cancelled: for
/// waits that clean-up depends on.
public func pause(seconds: Double) async {
    await withCheckedContinuation { resume in
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { resume.resume() }
    }
}
