import Conventions
import Foundation

/// The lines of a text file (or of standard input for `-`), read a buffer at a time, each with its number
/// from 1, without its line break; a line that is not valid UTF-8 has no text. It is handed to the store's
/// transaction and read there by one thread at a time, hence `@unchecked Sendable`.
public struct FileLines: Sequence, @unchecked Sendable {
    private let file: UnsafeMutablePointer<FILE>

    /// Opens `path`; a missing or unreadable file, or a folder, is an ``IncidentError/missingFile(_:)``.
    public init(path: String) throws {
        let opened = path == "-" ? fdopen(STDIN_FILENO, "r") : fopen(path, "r")
        guard let opened else {
            throw IncidentError.missingFile(SystemError("cannot read \(path)").description)
        }
        var status = stat()
        if fstat(fileno(opened), &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            fclose(opened)
            throw IncidentError.missingFile("\(path) is a folder; give the file to import")
        }
        file = opened
    }

    /// Closes the file; the sequence must not be iterated afterwards.
    public func close() {
        fclose(file)
    }

    public func makeIterator() -> AnyIterator<(number: Int, text: String?)> {
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        var number = 0
        return AnyIterator { [file] in
            let length = getline(&buffer, &capacity, file)
            guard length >= 0, let buffer else {
                free(buffer)
                buffer = nil
                return nil
            }
            number += 1
            var bytes = UnsafeBufferPointer(
                start: UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self),
                count: length)
            if bytes.last == UInt8(ascii: "\n") { bytes = UnsafeBufferPointer(rebasing: bytes.dropLast()) }
            return (number, String(validating: bytes, as: UTF8.self))
        }
    }
}
