import Conventions

extension FaultSpec {
    /// Reads the text form, `TYPE key=value…` with the keys of the JSON form: `latency ms=800 route=/api/*`,
    /// `error status=503 probability=0.5`. The same fields, defaults and bounds apply as to the JSON form.
    public init(text: String) throws(FaultRequestError) {
        let words = try Self.words(of: text)
        guard let type = words.first else {
            throw FaultRequestError("the fault is empty; give its type first, one of: \(FaultType.names)")
        }
        var fields: [String: FaultValue] = ["type": .string(type.value)]
        for word in words.dropFirst() {
            guard let key = word.key, !key.isEmpty, word.quoted || !word.value.isEmpty, key != "type" else {
                throw FaultRequestError(
                    "'\(word.written)' is not a parameter; write parameters as key=value, such as ms=800")
            }
            guard fields[key] == nil else { throw FaultRequestError("parameter '\(key)' is given twice") }
            fields[key] = word.quoted ? .string(word.value) : FaultValue(text: word.value)
        }
        try self.init(fields: fields)
    }

    /// Builds a fault from a type and `key=value` parameters given one by one (a command line's words, which
    /// may hold spaces), without a round trip through the text form.
    public init(type: String, parameters: [String], extra: [String: FaultValue] = [:]) throws(FaultRequestError) {
        var fields: [String: FaultValue] = ["type": .string(type)]
        for parameter in parameters {
            let parts = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, parts[0] != "type" else {
                throw FaultRequestError(
                    "'\(parameter)' is not a parameter; write parameters as key=value, such as ms=800")
            }
            guard fields[String(parts[0])] == nil else {
                throw FaultRequestError("parameter '\(parts[0])' is given twice")
            }
            fields[String(parts[0])] = FaultValue(text: String(parts[1]))
        }
        for (key, value) in extra {
            guard fields[key] == nil else { throw FaultRequestError("parameter '\(key)' is given twice") }
            fields[key] = value
        }
        try self.init(fields: fields)
    }

    /// One word of the text form: `TYPE`, `key=value` or `key="a value"` (with `\"` and `\\` inside quotes).
    struct Word {
        var key: String?
        var value: String
        var quoted: Bool
        var written: String
    }

    /// Splits the text form into words at white space outside double quotes.
    static func words(of text: String) throws(FaultRequestError) -> [Word] {
        var words: [Word] = []
        var current: Word?
        var inQuotes = false
        var escaped = false
        for character in text {
            if inQuotes {
                current!.written.append(character)
                if escaped {
                    current!.value.append(character)
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inQuotes = false
                } else {
                    current!.value.append(character)
                }
                continue
            }
            if character.isWhitespace {
                if let word = current { words.append(word) }
                current = nil
                continue
            }
            var word = current ?? Word(key: nil, value: "", quoted: false, written: "")
            word.written.append(character)
            if character == "=" && word.key == nil {
                word.key = word.value
                word.value = ""
            } else if character == "\"" && word.key != nil && word.value.isEmpty && !word.quoted {
                word.quoted = true
                inQuotes = true
            } else {
                word.value.append(character)
            }
            current = word
        }
        guard !inQuotes else { throw FaultRequestError("a quote is not closed in '\(text)'") }
        if let word = current { words.append(word) }
        return words
    }

    /// The canonical text form: the type, then every parameter of the type in the catalog's order (so the
    /// text still says what happened if a default changes), then `probability`, `route` and `duration_s`
    /// when they are not the defaults. Equal faults have equal text however they were written.
    public var text: String {
        var words = [action.type.rawValue]
        for (name, value) in action.parameters { words.append("\(name)=\(value.text)") }
        if probability != 1 { words.append("probability=\(probability.plain)") }
        if let route { words.append("route=\(FaultValue.string(route).text)") }
        if durationSeconds != Self.defaultDurationSeconds { words.append("duration_s=\(durationSeconds.plain)") }
        return words.joined(separator: " ")
    }
}

extension FaultValue {
    /// A value as written unquoted: a number when it reads as one, else text.
    init(text: String) {
        self = Double(text).map(FaultValue.number) ?? .string(text)
    }

    /// The value as the text form writes it, quoted when it holds white space, a quote or a backslash.
    var text: String {
        switch self {
        case .number(let number): number.plain
        case .string(let string):
            string.contains(where: { $0.isWhitespace || $0 == "\"" || $0 == "\\" }) || string.isEmpty
                ? "\""
                    + string.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                    + "\"" : string
        case .bool(let bool): String(bool)
        case .null: "null"
        }
    }
}
