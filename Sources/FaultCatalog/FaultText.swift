import Conventions

extension FaultSpec {
    /// Reads the text form, `TYPE key=value…` with the keys of the JSON form: `latency ms=800 route=/api/*`,
    /// `error status=503 probability=0.5`. The same fields, defaults and bounds apply as to the JSON form.
    public init(text: String) throws(FaultRequestError) {
        let words = text.split(whereSeparator: \.isWhitespace)
        guard let type = words.first else {
            throw FaultRequestError("the fault is empty; give its type first, one of: \(FaultType.names)")
        }
        var fields: [String: FaultValue] = ["type": .string(String(type))]
        for word in words.dropFirst() {
            let parts = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, parts[0] != "type" else {
                throw FaultRequestError("'\(word)' is not a parameter; write parameters as key=value, such as ms=800")
            }
            guard fields[String(parts[0])] == nil else {
                throw FaultRequestError("parameter '\(parts[0])' is given twice")
            }
            fields[String(parts[0])] = Double(parts[1]).map(FaultValue.number) ?? .string(String(parts[1]))
        }
        try self.init(fields: fields)
    }

    /// The canonical text form: the type, then every parameter of the type in the catalog's order (so the
    /// text still says what happened if a default changes), then `probability`, `route` and `duration_s`
    /// when they are not the defaults. Equal faults have equal text however they were written.
    public var text: String {
        var words = [action.type.rawValue]
        for (name, value) in action.parameters { words.append("\(name)=\(value.text)") }
        if probability != 1 { words.append("probability=\(probability.plain)") }
        if let route { words.append("route=\(route)") }
        if durationSeconds != Self.defaultDurationSeconds { words.append("duration_s=\(durationSeconds.plain)") }
        return words.joined(separator: " ")
    }
}

extension FaultValue {
    /// The value as the text form writes it.
    var text: String {
        switch self {
        case .number(let number): number.plain
        case .string(let string): string
        case .bool(let bool): String(bool)
        case .null: "null"
        }
    }
}
