import Conventions

/// Reads lengths of time: `90s`, `10m`, `1h30m`, `500ms`, `2d`, `1w`; a bare number means seconds.
public enum DurationInput {
    public static let help = "90s, 10m, 1h30m, 500ms, or seconds"

    /// The seconds `text` names, refusing what is not a length of time or lies outside `range`.
    public static func seconds(_ text: String, option: String, in range: ClosedRange<Double>) throws -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let seconds = Double(trimmed).flatMap({ $0.isFinite ? $0 : nil }) ?? Self.seconds(inUnits: trimmed[...]),
            range.contains(seconds)
        else {
            throw IncidentError.invalidInput(
                "\(option) '\(text)' is not a length of time from \(words(range.lowerBound)) to "
                    + "\(words(range.upperBound)); use \(help)")
        }
        return seconds
    }

    /// Seconds of digits followed by units, `1h30m`, `500ms`; spaces are ignored. Nil for anything else.
    static func seconds(inUnits text: Substring) -> Double? {
        let units: [String: Double] = ["ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604_800]
        var total = 0.0
        var digits = ""
        var unit = ""
        func close() -> Bool {
            guard !digits.isEmpty, let value = Double(digits), let factor = units[unit.lowercased()] else {
                return false
            }
            total += value * factor
            (digits, unit) = ("", "")
            return true
        }
        for character in text where character != " " {
            if character.isASCII, character.isNumber || character == "." {
                if !unit.isEmpty, !close() { return nil }
                digits.append(character)
            } else if character.isASCII, character.isLetter {
                unit.append(character)
            } else {
                return nil
            }
        }
        guard close(), total.isFinite else { return nil }
        return total
    }

    /// A length of time as people say it: `500 ms`, `2 s`, `10 min`, `1 h`.
    public static func words(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded())) ms" }
        if seconds >= 3600 && seconds.truncatingRemainder(dividingBy: 3600) == 0 { return "\(Int(seconds / 3600)) h" }
        if seconds >= 60 && seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds / 60)) min" }
        return "\(seconds.plain) s"
    }
}
