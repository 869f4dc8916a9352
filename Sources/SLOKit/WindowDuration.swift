/// Durations as OpenSLO and Prometheus write them: whole numbers with units, `30d`, `4w`, `1h12m`, `5s`.
public enum WindowDuration {
    static let units: [(unit: Character, seconds: Int)] = [
        ("w", 604_800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1),
    ]

    /// The seconds in `text`; nil unless it is one or more `<whole number><unit>` with units w, d, h, m, s,
    /// each at most once and largest first, and is more than zero. Calendar units (OpenSLO's `M`, `Q`, `Y`)
    /// have no fixed length in a rolling window, so they are not durations here.
    public static func seconds(_ text: String) -> Int? {
        var total = 0
        var digits = ""
        var lastUnit = -1
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            guard let index = units.firstIndex(where: { $0.unit == character }), index > lastUnit,
                let value = Int(digits), value <= 1_000_000
            else { return nil }
            total += value * units[index].seconds
            digits = ""
            lastUnit = index
        }
        guard digits.isEmpty, total > 0 else { return nil }
        return total
    }

    /// `milliseconds` as a Prometheus range: whole seconds as ``text(_:)`` writes them, else `10218ms`, so that
    /// a range over an incident's span starts at its start, not up to a second before it.
    public static func text(milliseconds: Int) -> String {
        milliseconds % 1000 == 0 ? text(milliseconds / 1000) : "\(milliseconds)ms"
    }

    /// `seconds` as Prometheus writes a duration, largest units first: `30d`, `1h12m`, `5s`.
    public static func text(_ seconds: Int) -> String {
        guard seconds > 0 else { return "0s" }
        var rest = seconds
        var text = ""
        for (unit, size) in units where unit != "w" && rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }
}
