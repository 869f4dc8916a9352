import Conventions
import FaultCatalog
import Foundation
import Logging
import Synchronization

/// A swift-log handler that writes one JSON object per line: `time`, `level`, `message`, then the
/// metadata in key order. Integer and floating-point metadata (status, duration) are JSON numbers, Booleans
/// JSON `true` and `false`.
///
/// Written by hand rather than with `JSONEncoder` to keep the leading fields first and to stay cheap on
/// the per-request path.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let write: @Sendable ([UInt8]) -> Void

    /// A handler at `level` that hands each finished line, newline included, to `write`.
    public init(level: Logger.Level, write: @escaping @Sendable ([UInt8]) -> Void = StandardOutput.write) {
        self.logLevel = level
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line: [UInt8] = []
        line.reserveCapacity(256)
        line.append(contentsOf: #"{"time":""#.utf8)
        Date().appendRFC3339(to: &line)
        line.append(contentsOf: #"","level":""#.utf8)
        line.append(contentsOf: event.level.rawValue.utf8)
        line.append(contentsOf: #"","message":"#.utf8)
        JSONString.append(event.message.description, to: &line)
        var merged = event.metadata.map { metadata.merging($0) { _, new in new } } ?? metadata
        if let error = event.error { merged["error"] = .string("\(error)") }
        for key in merged.keys.sorted() {
            line.append(UInt8(ascii: ","))
            JSONString.append(key, to: &line)
            line.append(UInt8(ascii: ":"))
            JSONText.append(merged[key]!, to: &line)
        }
        line.append(contentsOf: "}\n".utf8)
        write(line)
    }
}

/// JSON text for log values.
enum JSONText {
    static func append(_ value: Logger.MetadataValue, to out: inout [UInt8]) {
        switch value {
        case .string(let string):
            JSONString.append(string, to: &out)
        case .stringConvertible(let convertible):
            switch convertible {
            case let number as Int: out.append(contentsOf: String(number).utf8)
            case let number as Double where number.isFinite: out.append(contentsOf: String(number).utf8)
            case let flag as Bool: out.append(contentsOf: String(flag).utf8)
            default: JSONString.append(convertible.description, to: &out)
            }
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                append(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .dictionary(let dictionary):
            out.append(UInt8(ascii: "{"))
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONString.append(key, to: &out)
                out.append(UInt8(ascii: ":"))
                append(dictionary[key]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}

/// Standard output for log lines: each line in one locked write, unbuffered, so lines from concurrent
/// requests never interleave and nothing is lost when the process crashes.
public enum StandardOutput {
    private static let lock = Mutex(())

    @Sendable public static func write(_ bytes: [UInt8]) {
        lock.withLock { _ in
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Foundation.write(1, buffer.baseAddress! + offset, buffer.count - offset)
                    if written > 0 {
                        offset += written
                    } else if written < 0 && errno != EINTR {
                        return  // stdout closed: logging must never take the service down
                    }
                }
            }
        }
    }
}
