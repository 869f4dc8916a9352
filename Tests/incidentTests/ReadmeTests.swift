import Foundation
import TestSupport
import Testing

/// README's walk-through, run as written: a user who follows it literally must get what it says.
struct ReadmeTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("README.md")

    /// The `$ incident …` command lines of the console block under `heading`, continuation lines joined and
    /// comments dropped, each split into words as a shell would split these simple lines.
    static func commands(under heading: String) throws -> [[String]] {
        let text = try String(contentsOf: readme, encoding: .utf8)
        let section = try #require(text.components(separatedBy: heading).dropFirst().first)
        let block = try #require(section.components(separatedBy: "```").dropFirst().first)
        var commands: [String] = []
        for line in block.split(separator: "\n").map(String.init) {
            if line.hasPrefix("$ incident ") {
                commands.append(String(line.dropFirst(2)))
            } else if let last = commands.last, last.hasSuffix("\\") {
                commands[commands.count - 1] = String(last.dropLast()) + " " + line
            }
        }
        return commands.map(words)
    }

    /// Splits a command line into words: double quotes group, `#` outside quotes starts a comment.
    static func words(_ line: String) -> [String] {
        var words: [String] = []
        var word: String?
        var quoted = false
        for character in line {
            if character == "\"" {
                quoted.toggle()
                word = word ?? ""
            } else if character == "#" && !quoted && word == nil {
                break
            } else if character.isWhitespace && !quoted {
                if let finished = word { words.append(finished) }
                word = nil
            } else {
                word = (word ?? "") + String(character)
            }
        }
        if let word { words.append(word) }
        return words
    }

    @Test func theWalkThroughRunsAsWrittenAndGivesTheDurationsItPromises() async throws {
        let cli = try CLI()
        let commands = try Self.commands(under: "## A two-minute walk-through")
        #expect(commands.count >= 13)
        let began = Date()
        for command in commands {
            let arguments = Array(command.dropFirst())
            let result = try await cli.run(arguments)
            #expect(result.status == 0, "\(command.joined(separator: " ")): \(result.stderr)")
        }
        let shown = try #require(try await cli.json("show", "1") as? [String: Any])
        let durations = try #require(shown["durations"] as? [String: Double])
        // Each command reads its relative time against its own clock: allow the seconds the run took.
        let allowance = Date().timeIntervalSince(began) + 1
        for (key, expected) in [("ttd_s", 300.0), ("tta_s", 120), ("ttr_s", 1200), ("ttc_s", 1500)] {
            #expect(abs((durations[key] ?? 0) - expected) < allowance, "\(key): \(durations[key] ?? -1)")
        }
        #expect(try String(contentsOfFile: cli.directory.path("postmortem-1.md"), encoding: .utf8).contains("v1.4.3"))

        // The correction the text after the walk-through shows works on the incident it made, at any time of day.
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        let correction = try #require(
            text.components(separatedBy: "corrected, never erased: `").dropFirst().first?.split(separator: "`").first)
        let edit = try await cli.run(Array(Self.words(String(correction)).dropFirst()))
        #expect(edit.status == 0, "\(correction): \(edit.stderr)")
    }
}
