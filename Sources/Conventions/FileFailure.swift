import Foundation

/// Why an operation on the file at `path` failed, in plain words for a message: Foundation's own text ("The
/// operation could not be completed. (NSCocoaErrorDomain error 256.)") tells a user nothing to act on.
public func plainReason(_ error: any Error, path: String) -> String {
    if let system = error as? SystemError { return system.reason }
    let error = error as NSError
    if error.domain == NSPOSIXErrorDomain { return SystemError.reason(Int32(error.code)) }
    guard error.domain == NSCocoaErrorDomain else { return "\(error)" }
    switch CocoaError.Code(rawValue: error.code) {
    case .fileReadNoSuchFile, .fileNoSuchFile: return "there is no such file"
    case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
    case .fileReadInapplicableStringEncoding, .fileReadCorruptFile: return "it is not UTF-8 text"
    case .fileWriteOutOfSpace: return "the disk is full"
    case .fileWriteVolumeReadOnly: return "the file system is read-only"
    case .fileWriteFileExists: return "it exists already"
    default: break
    }
    // Foundation gives no reason: ask the system.
    var status = stat()
    if stat(path, &status) != 0 { return SystemError.reason(errno) }
    if status.st_mode & S_IFMT == S_IFDIR { return "it is a folder" }
    if access(path, R_OK) != 0 { return SystemError.reason(errno) }
    return "the system gave no reason (\(error.domain) \(error.code))"
}
