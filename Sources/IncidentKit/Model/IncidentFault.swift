import FaultCatalog
import Foundation

/// The fault an injected incident records, always in one canonical text, so that the same fault reads the
/// same however it was typed and the detection scorecard has one row per fault type.
///
/// A fault of the app's catalog is its canonical text form (`latency ms=800 jitter_ms=0 route=/api/*`); a
/// failure injected by other means, which the app's catalog does not know (a killed host, a network
/// partition), is `other: DESCRIPTION`; a bad release deployed on purpose (a game day's `deploy:` step) is
/// `deploy: RELEASE (STRATEGY)`, of fault type `deploy`.
public enum IncidentFault {
    /// The fault type of failures the app's catalog does not know.
    public static let otherType = "other"
    private static let otherPrefix = "other:"
    /// The fault type of bad releases deployed on purpose.
    public static let deployType = "deploy"
    private static let deployPrefix = "deploy:"

    /// The canonical text of a fault given in the catalog's text form, in its JSON form (the admin API's
    /// body), as `other: DESCRIPTION` or as `deploy: DESCRIPTION`.
    public static func canonical(_ text: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        for prefix in [otherPrefix, deployPrefix] where trimmed.lowercased().hasPrefix(prefix) {
            return try described(String(trimmed.dropFirst(prefix.count)), prefix: prefix)
        }
        do {
            let spec = trimmed.hasPrefix("{") ? try FaultSpec(json: Data(trimmed.utf8)) : try FaultSpec(text: trimmed)
            return spec.text
        } catch {
            throw IncidentError.invalidInput(
                "the fault '\(text.prefix(200))' is not one the app knows: \(error.description). Write it as the "
                    + "app's admin API takes it, e.g. \"latency ms=800\" or its JSON body; for a failure injected "
                    + "another way, use --other-fault TEXT")
        }
    }

    /// The canonical text of a failure injected by means the app's catalog does not know.
    public static func other(_ description: String) throws -> String {
        try described(description, prefix: otherPrefix)
    }

    private static func described(_ description: String, prefix: String) throws -> String {
        prefix + " " + (try Validate.text(description.trimmingCharacters(in: .whitespaces), field: "fault"))
    }

    /// The type of a canonical fault text: a catalog type such as `latency`, `deploy` or `other`.
    public static func type(of fault: String) -> String {
        if fault.hasPrefix(otherPrefix) { return otherType }
        if fault.hasPrefix(deployPrefix) { return deployType }
        return String(fault.prefix { $0 != " " })
    }
}
