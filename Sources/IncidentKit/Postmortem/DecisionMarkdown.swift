extension DecisionRecord {
    /// The record as an architecture decision record in markdown: status, context, the options with their
    /// time, cost and reliability effects, the decision and why, consequences. User text is escaped.
    public var markdown: String {
        var facts: [[String]] = [
            ["Status", status == .accepted ? "accepted" : "superseded by ADR \(supersededBy!) at \(supersededAt!)"],
            ["Date", decidedAt.utcDay],
            ["Decided by", author],
            ["Revisit", revisit ?? "-"],
            ["Incidents", incidents.isEmpty ? "-" : incidents.map { "#\($0)" }.joined(separator: ", ")],
            ["SLOs", slos.isEmpty ? "-" : slos.joined(separator: ", ")],
        ]
        if !supersedes.isEmpty { facts.append(["Supersedes", supersedes.map { "ADR \($0)" }.joined(separator: ", ")]) }
        let options = options.enumerated().map { index, option in
            [
                String(index + 1), option.name + (index + 1 == chosen ? " (chosen)" : ""), option.time, option.cost,
                option.reliability,
            ]
        }
        let consequences =
            consequences.isEmpty
            ? "None recorded." : consequences.map { "- " + Markdown.escape($0) }.joined(separator: "\n")
        return """
            # ADR \(id ?? 0): \(Markdown.escape(title))

            \(Markdown.table(header: ["", ""], rows: facts))

            ## Context

            \(Markdown.escapeBlock(context))

            ## Options

            \(Markdown.table(header: ["#", "option", "time", "cost", "reliability"], rows: options))

            ## Decision

            Option \(chosen), **\(Markdown.escape(choice.name))**, because:

            \(Markdown.escapeBlock(rationale))

            ## Consequences

            \(consequences)

            """
    }
}
