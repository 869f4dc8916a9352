import Conventions

/// Every failure a user can cause or meet, each mapped to one sysexits status (docs/contract.md, "Exit
/// status").
///
/// Messages say what is wrong and how to fix it; they are printed as they are, without a stack trace.
public enum IncidentError: ExitingError, Equatable {
    /// Bad command-line input: a malformed time, an unknown severity, an empty title. Exit 64.
    case invalidInput(String)
    /// A request that contradicts the record: times out of order, resolving twice. Exit 65.
    case conflict(String)
    /// An input file is malformed: a scenario, a journal, a run list. Exit 65.
    case malformed(String)
    /// No incident or action item has this id. Exit 66.
    case notFound(String)
    /// A file given as input does not exist or cannot be read. Exit 66.
    case missingFile(String)
    /// The database cannot be opened, is corrupt, or was written by a newer `incident`. Exit 74.
    case database(String)
    /// An output file cannot be written: no such folder, no permission, a full disk. Exit 74.
    case cannotWrite(String)
    /// A service the command must talk to cannot be reached, or is not what it should be. Exit 69.
    case unavailable(String)
    /// A token was refused. Exit 77.
    case refused(String)

    /// The process exit status for this error.
    public var exitStatus: ExitStatus {
        switch self {
        case .invalidInput: .usage
        case .conflict, .malformed: .dataError
        case .notFound, .missingFile: .noInput
        case .database, .cannotWrite: .ioError
        case .unavailable: .unavailable
        case .refused: .noPermission
        }
    }

    /// The process exit status for this error, as a number.
    public var exitCode: Int32 { exitStatus.rawValue }

    public var description: String {
        switch self {
        case .invalidInput(let message), .conflict(let message), .malformed(let message), .notFound(let message),
            .missingFile(let message), .database(let message), .cannotWrite(let message), .unavailable(let message),
            .refused(let message):
            message
        }
    }

    static func unknownIncident(_ id: Int64) -> IncidentError {
        .notFound("no incident #\(id); run `incident list` to see the ids that exist")
    }

    static func unknownAction(_ id: Int64) -> IncidentError {
        .notFound("no action item #\(id); run `incident action list` to see the ids that exist")
    }
}
