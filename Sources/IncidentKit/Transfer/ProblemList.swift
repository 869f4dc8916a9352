/// The problems an import found in its input, for a message that reports them together.
enum ProblemList {
    /// How many problems a message shows; the rest are counted.
    static let shown = 50

    /// The first ``shown`` problems, each on a line of its own indented by two spaces (the first line
    /// included), then how many more there are.
    static func text(_ problems: [String]) -> String {
        let more = problems.count > shown ? "\n  … and \(problems.count - shown) more" : ""
        return "\n  " + problems.prefix(shown).joined(separator: "\n  ") + more
    }
}
