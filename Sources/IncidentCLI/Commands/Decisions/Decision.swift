import ArgumentParser

extension IncidentCommand {
    struct Decision: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "decision",
            abstract: "Record architecture decisions: the options weighed, the one chosen and why.",
            discussion: """
                A decision record says what was decided under which constraints: its context, at least two options \
                with their effect on time, cost and reliability, the option chosen and why, its consequences, the \
                incidents and SLOs that motivated it, and when to look at it again. `decision show --markdown` \
                writes it as an ADR; a postmortem lists the decisions linked to its incident.
                """,
            subcommands: [DecisionAdd.self, DecisionList.self, DecisionShow.self, DecisionSupersede.self])
    }
}
