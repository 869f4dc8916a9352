import Foundation

/// An architecture decision record (docs/contract.md, "Decision records"): a choice made under constraints
/// of time, cost and reliability, the options weighed, why one was chosen, what follows from it, and the
/// incidents and SLOs that motivated it.
public struct DecisionRecord: Encodable, Sendable, Equatable {
    public var id: Int64?
    public var title: String
    /// The forces at play: what happened, what constrains the choice.
    public var context: String
    /// At least two options, each with its effect on time, cost and reliability.
    public var options: [DecisionOption]
    /// The option chosen, from 1.
    public var chosen: Int
    /// Why it was chosen (`--because`).
    public var rationale: String
    /// What follows from the choice, good and bad.
    public var consequences: [String]
    /// The incidents that motivated it, by id, ascending.
    public var incidents: [Int64]
    /// The SLOs it concerns, by OpenSLO name, sorted.
    public var slos: [String]
    /// The day to look at it again, `YYYY-MM-DD`.
    public var revisit: String?
    public var decidedAt: Timestamp
    public var author: String
    /// The decision that replaced this one, and when.
    public var supersededBy: Int64?
    public var supersededAt: Timestamp?
    /// The decisions this one replaced, ascending (derived from their ``supersededBy``).
    public var supersedes: [Int64]

    public init(
        title: String, context: String, options: [DecisionOption], chosen: Int, rationale: String,
        consequences: [String] = [], incidents: [Int64] = [], slos: [String] = [], revisit: String? = nil,
        decidedAt: Timestamp, author: String
    ) {
        self.title = title
        self.context = context
        self.options = options
        self.chosen = chosen
        self.rationale = rationale
        self.consequences = consequences
        self.incidents = incidents
        self.slos = slos
        self.revisit = revisit
        self.decidedAt = decidedAt
        self.author = author
        supersedes = []
    }

    /// `accepted` until another decision supersedes it.
    public var status: DecisionStatus { supersededBy == nil ? .accepted : .superseded }

    /// The chosen option.
    public var choice: DecisionOption { options[chosen - 1] }

    /// True when it is still in force and its revisit day is `today` or past.
    public func isDue(today: String) -> Bool {
        status == .accepted && revisit.map { $0 <= today } == true
    }

    enum CodingKeys: String, CodingKey {
        case id, title, status, context, options, chosen, rationale, consequences, incidents, slos, revisit
        case decidedAt = "decided_at"
        case author
        case supersededBy = "superseded_by"
        case supersededAt = "superseded_at"
        case supersedes
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(title, forKey: .title)
        try container.encode(status, forKey: .status)
        try container.encode(context, forKey: .context)
        try container.encode(options, forKey: .options)
        try container.encode(chosen, forKey: .chosen)
        try container.encode(rationale, forKey: .rationale)
        try container.encode(consequences, forKey: .consequences)
        try container.encode(incidents, forKey: .incidents)
        try container.encode(slos, forKey: .slos)
        try container.encode(revisit, forKey: .revisit)
        try container.encode(decidedAt, forKey: .decidedAt)
        try container.encode(author, forKey: .author)
        try container.encode(supersededBy, forKey: .supersededBy)
        try container.encode(supersededAt, forKey: .supersededAt)
        try container.encode(supersedes, forKey: .supersedes)
    }
}

/// Whether a decision is still in force.
public enum DecisionStatus: String, Codable, Sendable {
    case accepted, superseded
}

/// One option of a decision, with what it would do to time (to build, to detect, to recover), cost and
/// reliability.
public struct DecisionOption: Codable, Sendable, Equatable {
    public var name: String
    public var time: String
    public var cost: String
    public var reliability: String

    public init(name: String, time: String, cost: String, reliability: String) {
        self.name = name
        self.time = time
        self.cost = cost
        self.reliability = reliability
    }

    /// The effects an option must state, in the order they are written.
    public static let effects = ["time", "cost", "reliability"]

    /// The syntax of `--option`, for help and messages.
    public static let syntax = "NAME: time TEXT; cost TEXT; reliability TEXT"

    /// Reads `NAME: time TEXT; cost TEXT; reliability TEXT`: the name before the first colon, then the three
    /// effects in any order, separated by semicolons, each its word then its text (`time: 2 days` and
    /// `time=2 days` read the same). Every effect is required; say `cost none` rather than leave it out.
    public init(parsing text: String) throws {
        let syntax = "write each --option as \"\(Self.syntax)\""
        guard let colon = text.firstIndex(of: ":") else {
            throw IncidentError.invalidInput("the option '\(text)' has no name before a colon; \(syntax)")
        }
        let name = text[..<colon].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw IncidentError.invalidInput("the option '\(text)' has no name; \(syntax)") }
        var effects: [String: String] = [:]
        for part in text[text.index(after: colon)...].split(separator: ";") {
            let part = part.trimmingCharacters(in: .whitespaces)
            guard !part.isEmpty else { continue }
            let word = String(part.prefix { $0.isLetter }).lowercased()
            guard Self.effects.contains(word) else {
                throw IncidentError.invalidInput(
                    "the option '\(name)' has '\(part)', which is none of \(Self.effects.joined(separator: ", ")); "
                        + syntax)
            }
            guard effects[word] == nil else {
                throw IncidentError.invalidInput("the option '\(name)' gives its \(word) twice; \(syntax)")
            }
            let value = part.dropFirst(word.count).drop { $0 == ":" || $0 == "=" || $0 == " " }
            guard !value.isEmpty else {
                throw IncidentError.invalidInput("the option '\(name)' gives no text for its \(word); \(syntax)")
            }
            effects[word] = String(value)
        }
        let missing = Self.effects.filter { effects[$0] == nil }
        guard missing.isEmpty else {
            throw IncidentError.invalidInput(
                "the option '\(name)' does not say its effect on \(missing.joined(separator: " and ")); \(syntax) "
                    + "(say 'cost none' if it has none)")
        }
        self.init(name: name, time: effects["time"]!, cost: effects["cost"]!, reliability: effects["reliability"]!)
    }
}
