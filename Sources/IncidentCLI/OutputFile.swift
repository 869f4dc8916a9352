import Conventions
import Foundation
import IncidentKit
import Synchronization

/// A file a command writes its result to (`--output`).
///
/// A regular file is never left half-written: the text goes to a temporary file beside it, which replaces it
/// only once complete, keeping its permissions. A symbolic link is written through (its target is
/// replaced, the link stays), and a device or FIFO (`/dev/null`, `/dev/stdout`, a pipe) is written to as it
/// is, never replaced by a regular file. Every failure, a missing folder or a full disk among them, is an
/// ``IncidentError/cannotWrite(_:)`` that names the file.
final class OutputFile: Sendable {
    private struct State {
        var descriptor: Int32
        var pending: [UInt8] = []
        var finished = false
    }

    /// The path as the user gave it, for messages.
    let path: String
    /// Where the text goes until it is complete: a temporary file, or nil when writing to `path` directly.
    private let temporary: String?
    /// The file the temporary one replaces.
    private let destination: String
    private let state: Mutex<State>

    /// Opens `path` for writing. An existing regular file is replaced only when `replacing` is set, so that
    /// a hand-edited document is never overwritten by mistake.
    init(path: String, replacing: Bool) throws(IncidentError) {
        self.path = path
        let resolved =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { target in
                target.hasPrefix("/")
                    ? target
                    : ((path as NSString).deletingLastPathComponent as NSString)
                        .appendingPathComponent(target)
            } ?? path
        destination = resolved
        var status = stat()
        if stat(resolved, &status) == 0 {
            switch status.st_mode & S_IFMT {
            case S_IFREG:
                guard replacing else {
                    throw .invalidInput("\(path) exists already; pass --force to replace it, or choose another file")
                }
            case S_IFDIR:
                throw .invalidInput("\(path) is a folder; name a file inside it")
            case S_IFCHR, S_IFIFO, S_IFBLK:
                let descriptor = Foundation.open(resolved, O_WRONLY | O_CLOEXEC)
                guard descriptor >= 0 else { throw Self.failure(SystemError("cannot write \(path)")) }
                temporary = nil
                state = Mutex(State(descriptor: descriptor))
                return
            default:
                throw .cannotWrite("\(path) is not a file, a device or a pipe; choose another path")
            }
        } else if errno == ENOENT {
            let folder = (resolved as NSString).deletingLastPathComponent
            var isFolder: ObjCBool = false
            guard folder.isEmpty || FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder),
                folder.isEmpty || isFolder.boolValue
            else {
                throw .cannotWrite("the folder \(folder) does not exist; create it first, or choose another path")
            }
        } else {
            throw Self.failure(SystemError("cannot write \(path)"))
        }
        let temporary = resolved + ".incomplete-\(getpid())"
        let mode = status.st_mode & S_IFMT == S_IFREG ? status.st_mode & 0o7777 : 0o644
        let descriptor = Foundation.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw Self.failure(SystemError("cannot write \(path)")) }
        fchmod(descriptor, mode)
        self.temporary = temporary
        state = Mutex(State(descriptor: descriptor))
    }

    /// Standard output, buffered the same way: for commands that print a whole history. ``commit()`` writes
    /// what is left; nothing is replaced.
    init(standardOutput: Void) {
        path = "standard output"
        temporary = nil
        destination = path
        state = Mutex(State(descriptor: dup(STDOUT_FILENO)))
    }

    /// Adds `text` to the file; it is written out a megabyte at a time.
    func write(_ text: String) throws(IncidentError) {
        try write(bytes: text.utf8)
    }

    /// Adds `bytes` to the file; they are written out a megabyte at a time.
    func write(bytes: some Collection<UInt8>) throws(IncidentError) {
        try state.withLock { state throws(IncidentError) in
            state.pending.append(contentsOf: bytes)
            if state.pending.count >= 1 << 20 { try flush(&state) }
        }
    }

    /// Writes what is left and, for a regular file, puts the complete file in place.
    func commit() throws(IncidentError) {
        try state.withLock { state throws(IncidentError) in
            state.finished = true
            defer { close(state.descriptor) }
            do throws(IncidentError) {
                try flush(&state)
                if temporary != nil, fsync(state.descriptor) != 0 {
                    throw Self.failure(SystemError("cannot write \(path)"))
                }
                if let temporary, rename(temporary, destination) != 0 {
                    throw Self.failure(SystemError("cannot write \(path)"))
                }
            } catch {
                discardTemporary()
                throw error
            }
        }
    }

    /// Writes `text` whole to `path` (see ``init(path:replacing:)``), or leaves nothing behind.
    static func write(_ text: String, to path: String, replacing: Bool) throws(IncidentError) {
        let file = try OutputFile(path: path, replacing: replacing)
        do {
            try file.write(text)
            try file.commit()
        } catch {
            file.discard()
            throw error
        }
    }

    /// Abandons the output: a regular file keeps its old contents.
    func discard() {
        state.withLock { state in
            guard !state.finished else { return }
            state.finished = true
            close(state.descriptor)
            discardTemporary()
        }
    }

    private func discardTemporary() {
        if let temporary { unlink(temporary) }
    }

    private func flush(_ state: inout State) throws(IncidentError) {
        var offset = 0
        while offset < state.pending.count {
            let written = state.pending[offset...].withUnsafeBytes {
                Foundation.write(state.descriptor, $0.baseAddress, $0.count)
            }
            if written > 0 {
                offset += written
            } else if errno != EINTR {
                throw Self.failure(SystemError("cannot write \(path)"))
            }
        }
        state.pending.removeAll(keepingCapacity: true)
    }

    private static func failure(_ error: SystemError) -> IncidentError {
        .cannotWrite(
            error.code == ENOSPC
                ? "\(error.operation): the disk is full; free some space and try again"
                : error.description)
    }
}
