import Foundation

/// Writes durations the way people read them.
public enum DurationText {
    /// `45s`, `4m05s`, `2h05m`, `3d04h`; `-` when unknown.
    public static func human(_ seconds: Double?) -> String {
        guard let seconds else { return "-" }
        let total = Int(seconds.rounded())
        if total < 0 { return "-" + human(Double(-total)) }
        let (days, hours, minutes, secs) = (total / 86400, total / 3600 % 24, total / 60 % 60, total % 60)
        if days > 0 { return String(format: "%dd%02dh", days, hours) }
        if hours > 0 { return String(format: "%dh%02dm", hours, minutes) }
        if minutes > 0 { return String(format: "%dm%02ds", minutes, secs) }
        return "\(secs)s"
    }

    /// A change: `+2m00s`, `-30s`, `0s`; `-` when unknown.
    public static func signed(_ seconds: Double?) -> String {
        guard let seconds else { return "-" }
        return seconds > 0 ? "+" + human(seconds) : human(seconds)
    }
}
