/// Runs `body` to its end even when the calling task was cancelled (Ctrl-C): for the clean-up that must
/// happen because of the cancellation, such as clearing a fault that is still in force.
public func uncancelled<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await Task.detached(operation: body).value
}
