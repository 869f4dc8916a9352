import GRDB

/// How bad an incident is: `sev1` is the worst.
public enum Severity: String, Codable, CaseIterable, Sendable, DatabaseValueConvertible {
    case sev1, sev2, sev3, sev4
}

/// Whether a failure was caused on purpose (so its start time is known exactly) or happened by itself.
public enum IncidentKind: String, Codable, CaseIterable, Sendable, DatabaseValueConvertible {
    case injected, real
}

/// The kind of a preventive change that an incident led to.
public enum ActionKind: String, Codable, CaseIterable, Sendable, DatabaseValueConvertible {
    case prevent, detect, mitigate, process
}

/// Whether an action item is still to do.
public enum ActionStatus: String, Codable, CaseIterable, Sendable, DatabaseValueConvertible {
    case open, done, dropped
}
