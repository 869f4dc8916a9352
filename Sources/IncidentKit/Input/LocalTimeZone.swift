import Foundation

/// The time zone that local times are read in and report periods cut in: Foundation's, from `$TZ`.
public enum LocalTimeZone {
    /// Makes `$TZ` a value Foundation reads, or refuses it. Foundation takes a zone it does not know for UTC
    /// without a word, which would shift every local time given by hours. The C library's spellings
    /// `:Europe/Berlin` and `/usr/share/zoneinfo/Europe/Berlin` become `Europe/Berlin`. Call it before
    /// anything asks for the current time zone.
    public static func adopt() throws {
        guard let value = getenv("TZ").map({ String(cString: $0) }), !value.isEmpty else { return }
        var name = value.hasPrefix(":") ? String(value.dropFirst()) : value
        if let range = name.range(of: "zoneinfo/") { name = String(name[range.upperBound...]) }
        guard TimeZone(identifier: name) != nil else {
            throw IncidentError.invalidInput(
                "TZ=\(value) is not a time zone incident knows, and local times would be read as UTC; set TZ to "
                    + "a name such as Europe/Berlin or UTC (one of /usr/share/zoneinfo), or unset it")
        }
        if name != value { setenv("TZ", name, 1) }
    }
}
