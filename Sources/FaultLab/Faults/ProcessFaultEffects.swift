import Foundation
import Logging
import Synchronization

/// A fault that acts on the whole process from its activation until `stop()`.
protocol ProcessFaultEffect: Sendable {
    func stop()
}

/// Ends the process with `exitCode` after the delay, without shutting down: a real crash. The delay is
/// at least 100 ms so that the admin API's answer leaves first. `onFire` runs just before the end, so a
/// crash cleared before its delay never counts as having acted.
final class Crash: ProcessFaultEffect {
    private let task: Task<Void, Never>

    init(exitCode: Int32, delaySeconds: Double, logger: Logger, onFire: @escaping @Sendable () -> Void) {
        task = Task {
            try? await Task.sleep(for: .seconds(max(delaySeconds, 0.1)))
            guard !Task.isCancelled else { return }
            onFire()
            logger.critical(
                "crashing on purpose (crash fault)", metadata: ["exit_code": .stringConvertible(Int(exitCode))])
            _exit(exitCode)
        }
    }

    func stop() { task.cancel() }
}

/// Maps and touches memory at a steady rate up to a cap, so resident memory really grows; `stop()` gives it
/// all back. Each chunk is its own `mmap` and `munmap`, not `malloc` and `free`: glibc raises its mmap
/// threshold after freeing a large block, so a second leak's chunks would come from the heap, and freeing
/// them would leave the process as large as before.
final class MemoryLeak: ProcessFaultEffect {
    private static let chunkBytes = 1 << 20

    /// A mapped block of leaked memory, owned by the leak's lock.
    private struct Chunk: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer

        /// A fresh mapping with every page written, so it counts as resident; nil when the system refuses.
        static func map() -> Chunk? {
            let pointer = mmap(nil, chunkBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            guard let pointer, pointer != UnsafeMutableRawPointer(bitPattern: -1) else { return nil }
            pointer.initializeMemory(as: UInt8.self, repeating: 0xA5, count: chunkBytes)
            return Chunk(pointer: pointer)
        }

        func unmap() {
            munmap(pointer, MemoryLeak.chunkBytes)
        }
    }

    private struct Leaked {
        var chunks: [Chunk] = []
        var stopped = false
    }

    private let leaked = Mutex(Leaked())
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    init(megabytesPerSecond: Int, maxMegabytes: Int) {
        let interval = Duration.seconds(1) / megabytesPerSecond
        let grow = Task { [self] in
            for _ in 0..<maxMegabytes {
                guard let chunk = Chunk.map() else { return }
                let kept = leaked.withLock { leaked in
                    if !leaked.stopped { leaked.chunks.append(chunk) }
                    return !leaked.stopped
                }
                guard kept else { return chunk.unmap() }
                try? await Task.sleep(for: interval)
            }
        }
        task.withLock { $0 = grow }
    }

    func stop() {
        task.withLock { $0?.cancel() }
        let chunks = leaked.withLock { leaked in
            leaked.stopped = true
            defer { leaked.chunks = [] }
            return leaked.chunks
        }
        for chunk in chunks { chunk.unmap() }
    }
}

/// Keeps `threads` operating-system threads busy until stopped. They are plain threads, not tasks, so the
/// server's own threads keep serving (and the fault can be cleared) however many burn.
final class CPUBurn: ProcessFaultEffect {
    private let stopped = Atomic(false)

    init(threads: Int) {
        for index in 0..<threads {
            let thread = Thread { [self] in
                while !stopped.load(ordering: .relaxed) {}
            }
            thread.name = "cpu-burn-\(index)"
            thread.start()
        }
    }

    func stop() { stopped.store(true, ordering: .relaxed) }
}
