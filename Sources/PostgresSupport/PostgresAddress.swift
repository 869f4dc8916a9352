import Foundation

/// Where a PostgreSQL store is: a connection URI (`postgres://user@host:5432/incidents`, `postgresql://…`,
/// libpq's form). Only its scheme and the passwords written in it are read here; libpq reads the rest, with
/// the `PG…` variables, `~/.pgpass` and `PGSERVICE`, as `psql` does.
public enum PostgresAddress {
    /// Whether `location` is a PostgreSQL connection URI rather than a file path.
    public static func isAddress(_ location: String) -> Bool {
        let lowered = location.lowercased()
        return lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://")
    }

    /// `address` with its scheme in lower case: libpq takes `POSTGRES://…` for a database name.
    static func normalized(_ address: String) -> String {
        guard isAddress(address), let colon = address.firstIndex(of: ":") else { return address }
        return address[..<colon].lowercased() + address[colon...]
    }

    /// The byte ranges of the passwords written in the URI `text` (after the scheme, if any): the one after
    /// the user name (`user:PASSWORD@host`) and the values of `password=` parameters.
    static func passwordRanges(in text: [UInt8]) -> [Range<Int>] {
        guard let scheme = text.firstRange(of: Array("://".utf8)) else { return [] }
        var ranges: [Range<Int>] = []
        let rest = scheme.upperBound
        let authorityEnd = text[rest...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? text.count
        if let at = text[rest..<authorityEnd].lastIndex(of: UInt8(ascii: "@")),
            let colon = text[rest..<at].firstIndex(of: UInt8(ascii: ":"))
        {
            ranges.append(colon + 1..<at)
        }
        if let question = text[rest...].firstIndex(of: UInt8(ascii: "?")) {
            var start = question + 1
            while start <= text.count {
                let end = text[start...].firstIndex(of: UInt8(ascii: "&")) ?? text.count
                let key = Array("password=".utf8)
                if end - start >= key.count, Array(text[start..<start + key.count]) == key {
                    ranges.append(start + key.count..<end)
                }
                start = end + 1
            }
        }
        return ranges.filter { !$0.isEmpty }
    }

    /// `message` with every password written in `address` replaced by `***`, for a message that may quote the
    /// address back.
    static func redacting(_ message: String, address: String) -> String {
        let bytes = Array(address.utf8)
        return passwordRanges(in: bytes).reduce(message) { text, range in
            let password = String(decoding: bytes[range], as: UTF8.self)
            return text.replacingOccurrences(of: password, with: "***")
        }
    }

    /// Overwrites, in this process's own argument memory, every password written in a PostgreSQL URI on the
    /// command line, so that `ps` and `/proc/PID/cmdline` show `xxx` in its place. The arguments the program
    /// reads (`CommandLine.arguments`) are copied first and keep it.
    public static func hidePasswordsFromProcessList() {
        _ = CommandLine.arguments
        for index in 1..<max(1, Int(CommandLine.argc)) {
            guard let argument = CommandLine.unsafeArgv[index] else { continue }
            let length = strlen(argument)
            let bytes = UnsafeMutableRawBufferPointer(start: argument, count: length)
            let text = Array(bytes)
            guard String(decoding: text, as: UTF8.self).lowercased().contains("postgres") else { continue }
            for range in passwordRanges(in: text) {
                for offset in range { bytes[offset] = UInt8(ascii: "x") }
            }
        }
    }
}
