import Foundation

/// The PromQL the rules and the status queries are made of.
public enum PromQL {
    /// True when `text` is a series selector: a metric name with optional label matchers,
    /// `http_requests_total{job="app",status=~"5.."}`. Rules put a range (`[5m]`) after it, so nothing else
    /// (a function, an aggregation, a range) is allowed.
    public static func isSelector(_ text: String) -> Bool {
        let (name, matchers) = split(selector: text)
        guard let first = name.unicodeScalars.first, isNameStart(first),
            name.unicodeScalars.allSatisfy({ isNameStart($0) || ("0"..."9").contains($0) })
        else { return false }
        let rest = text.dropFirst(name.count)
        return rest.isEmpty || (rest.hasPrefix("{") && rest.hasSuffix("}") && !matchers.joined().contains("{"))
    }

    private static func isNameStart(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_" || scalar == ":"
    }

    /// A selector's metric name and the text inside its braces (none when it has no matchers).
    static func split(selector: String) -> (name: String, matchers: [String]) {
        let trimmed = selector.trimmingCharacters(in: .whitespaces)
        guard let brace = trimmed.firstIndex(of: "{") else { return (trimmed, []) }
        let inside = trimmed[trimmed.index(after: brace)...].dropLast().trimmingCharacters(in: .whitespaces)
        return (String(trimmed[..<brace]), inside.isEmpty ? [] : [inside])
    }

    /// `{a,b}` of the matcher texts, or nothing when there are none.
    static func matchers(_ parts: [String]) -> String {
        parts.isEmpty ? "" : "{" + parts.joined(separator: ",") + "}"
    }

    /// Events per second over `range`, summed over every series: `sum(rate(SELECTOR[range]))`.
    public static func rate(_ selector: String, _ range: String) -> String {
        "sum(rate(\(selector.trimmingCharacters(in: .whitespaces))[\(range)]))"
    }

    /// Events counted over `range`, summed over every series: `sum(increase(SELECTOR[range]))`.
    public static func increase(_ selector: String, _ range: String) -> String {
        "sum(increase(\(selector.trimmingCharacters(in: .whitespaces))[\(range)]))"
    }

    /// The share of bad events over `range`: 0 when no bad event has been counted yet (their series may not
    /// exist) and when there was no event in the range, never "no data" or NaN while events are counted.
    public static func errorRatio(_ events: EventQueries, _ range: String) -> String {
        let total = rate(events.total, range)
        let bad =
            switch events.bad {
            case .counted(let selector): rate(selector, range)
            case .complement(let good): "\(total) - (\(rate(good, range)) or 0 * \(total))"
            }
        return "(\n  \(bad)\n  or\n  0 * \(total)\n)\n/\n(\(total) > 0)\nor\n0 * \(total)"
    }
}
