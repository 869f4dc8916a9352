import Foundation

/// How an incident was noticed: `alert`, `probe`, `customer`, `manual`, `pipeline` (a CI run reported the
/// failure), `other`, or `alert:NAME`.
public enum Detection {
    /// A CI pipeline's own run reported the failure.
    public static let pipeline = "pipeline"
    /// A canary's analysis judged the release it was given (and rolled it back).
    public static let canary = "canary"
    /// A rollout's readiness gate stopped the release: a replica on it never became ready.
    public static let rollout = "rollout"
    public static let methods = ["alert", "probe", "customer", "manual", pipeline, canary, rollout, "other"]

    /// Returns the canonical spelling, or throws when the text names no known method.
    public static func validated(_ text: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let method = trimmed.split(separator: ":", maxSplits: 1).first.map { String($0).lowercased() } ?? ""
        let isNamedAlert =
            method == "alert" && trimmed.count > "alert:".count
            && trimmed.dropFirst("alert:".count).allSatisfy { !$0.isWhitespace }
        guard methods.contains(trimmed.lowercased()) || isNamedAlert else {
            throw IncidentError.invalidInput(
                "unknown detection '\(text)'; use one of \(methods.joined(separator: ", ")) or alert:NAME")
        }
        return isNamedAlert ? "alert:" + trimmed.dropFirst("alert:".count) : trimmed.lowercased()
    }
}
