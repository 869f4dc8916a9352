import Conventions
import Foundation
import IncidentKit
import Synchronization

/// How results reach the user: JSON for scripts, aligned text for people.
enum Output {
    /// Prints `value` as pretty JSON with sorted keys, so that the same data always prints the same.
    /// `snakeCase` turns Swift property names into the snake_case keys of the JSON contract; types that
    /// name their keys themselves (incidents, the bulk of `list --json`) skip that cost.
    static func json(_ value: some Encodable, snakeCase: Bool = false) throws {
        print(try jsonText(value, snakeCase: snakeCase))
    }

    /// The text ``json(_:snakeCase:)`` prints, without its newline.
    static func jsonText(_ value: some Encodable, snakeCase: Bool = false) throws -> String {
        guard snakeCase else { return try StableJSONWriter(pretty: true).text(value) }
        let encoder = JSONEncoder.stable(pretty: true)
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Prints the array `json(_:)` would print, one element at a time as `body` yields them (and the same
    /// bytes), so that a whole history is never held in memory.
    static func jsonArray<Element: Encodable>(
        _ body: (@Sendable (Element) throws -> Void) async throws -> Void
    ) async throws {
        let file = OutputFile(standardOutput: ())
        let writer = StableJSONWriter(pretty: true)
        let count = Mutex(0)
        do {
            try await body { element in
                var bytes = Array(
                    (count.withLock {
                        $0 += 1
                        return $0
                    } == 1 ? "[\n  " : ",\n  ").utf8)
                try writer.append(element, to: &bytes, depth: 1)
                try file.write(bytes: bytes)
            }
            try file.write(count.withLock { $0 } == 0 ? "[\n\n]\n" : "\n]\n")
            try file.commit()
        } catch {
            file.discard()
            throw error
        }
    }

    /// True when standard output is a terminal and the user has not asked for plain text (`NO_COLOR`).
    static let usesColor: Bool = {
        let environment = ProcessInfo.processInfo.environment
        return isatty(STDOUT_FILENO) == 1 && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
    }()

    static func colored(_ text: String, _ code: String) -> String {
        usesColor ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    static func styled(_ status: IncidentStatus) -> String {
        colored(status.rawValue, style(of: status))
    }

    /// The ANSI style of a status: red while nobody acts on it, green once resolved.
    static func style(of status: IncidentStatus) -> String {
        switch status {
        case .open, .detected: "1;31"
        case .acknowledged: "33"
        case .mitigated: "36"
        case .resolved: "32"
        case .cancelled: "2"
        }
    }

    /// User text made safe for a terminal: control characters (escape sequences among them) are shown
    /// as `\u{…}`; newlines are kept only when `keepNewlines` is set, else shown as `⏎`.
    static func printable(_ text: String, keepNewlines: Bool = false) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                result += keepNewlines ? "\n" : " ⏎ "
            } else if scalar == "\t" {
                result += keepNewlines ? "\t" : " "
            } else if scalar.properties.generalCategory == .control
                || (0x202A...0x2069).contains(scalar.value)
                    && scalar.properties.generalCategory == .format
            {
                result += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Prints rows as columns padded to their widest cell; `header` is shown first, dimmed on a terminal.
    /// The last column is cut to fit the terminal when output goes to one. `color` may name an ANSI style
    /// for a cell, given its column and text; it is applied after padding so that columns stay aligned.
    static func table(header: [String], rows: [[String]], color: (Int, String) -> String? = { _, _ in nil }) {
        // A cell holds at most `cellLimit` characters, on a terminal or not: a 60 KB title is one line of a
        // list, not 60 KB of it (`show` prints it whole).
        let rows = rows.map { row in
            row.map { $0.count > cellLimit ? String($0.prefix(cellLimit - 1)) + "…" : $0 }
        }
        let columns = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        let width = usesColor ? (Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 120) : Int.max
        func line(_ cells: [String], styled: Bool) -> String {
            var room = width
            var parts: [String] = []
            for (column, cell) in cells.enumerated() {
                let isLast = column == cells.count - 1
                var text = isLast ? cell : cell + String(repeating: " ", count: columns[column] - cell.count)
                if text.count > room { text = String(text.prefix(max(room - 1, 0))) + "…" }
                room -= text.count + 2
                let style = styled ? color(column, cell) : nil
                parts.append(style.map { colored(text, $0) } ?? text)
                if room <= 0 { break }
            }
            return String(parts.joined(separator: "  ").reversed().drop { $0 == " " }.reversed())
        }
        print(colored(line(header, styled: false), "2"))
        for row in rows { print(line(row, styled: true)) }
    }

    /// The most characters a table cell shows.
    static let cellLimit = 200

    /// Confirms what a command changed: the incident and its status, then each timeline entry it wrote.
    static func confirm(_ detail: IncidentDetail) {
        let incident = detail.incident
        print("#\(incident.id!) [\(styled(incident.status))] \(printable(incident.title))")
        let newest = detail.timeline.map(\.recordedAt).max()
        for event in detail.timeline where event.recordedAt == newest {
            print("  \(event.at)  \(printable(event.text))")
        }
    }
}
