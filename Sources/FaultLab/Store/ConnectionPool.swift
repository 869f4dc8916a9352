import Foundation
import PostgresSupport

/// A bounded pool of PostgreSQL connections shared by a replica's requests: at most `size` connections,
/// opened when needed and kept while they work. A request that finds every connection in use waits for one up
/// to `timeout`, then gets ``StoreUnavailable`` (503) rather than queueing without bound: a slow or locked
/// database then costs answers in a second, not a pile of stuck requests. Its state is visible in the
/// `app_db_pool_*` metrics.
actor ConnectionPool {
    /// What a waiting request is handed: a connection, or a free slot to open one in.
    private enum Grant {
        case connection(PostgresConnection)
        case slot
    }

    private let address: String
    private let size: Int
    private let timeout: Duration
    private let metrics: PoolMetrics
    /// The statements run once per database before the first query, in one transaction (the schema).
    private let setUp: @Sendable (PostgresConnection) throws -> Void
    private var isSetUp = false
    private var idle: [PostgresConnection] = []
    /// Connections in use or being opened.
    private var busy = 0
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Grant?, Never>)] = []
    private var nextWaiter: UInt64 = 0

    init(
        address: String, size: Int, timeout: Duration, metrics: PoolMetrics,
        setUp: @escaping @Sendable (PostgresConnection) throws -> Void
    ) {
        self.address = address
        self.size = size
        self.timeout = timeout
        self.metrics = metrics
        self.setUp = setUp
        metrics.configure(size: size)
    }

    /// Runs `body` with a connection of the pool on a thread of its own (libpq blocks), and gives the
    /// connection back, or drops it when the server ended it. With every connection in use, it waits for one
    /// up to the pool's timeout, or `patience` when shorter.
    func withConnection<T: Sendable>(
        patience: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        let connection = try await acquire(patience: min(patience ?? timeout, timeout))
        let result = await Self.onThread { try body(connection) }
        release(connection)
        return try result.get()
    }

    private func acquire(patience: Duration) async throws -> PostgresConnection {
        if let connection = idle.popLast() {
            busy += 1
            publish()
            return connection
        }
        if busy < size {
            busy += 1
            publish()
            return try await open()
        }
        switch await waitForGrant(patience: patience) {
        case .connection(let connection): return connection
        case .slot: return try await open()
        case nil:
            metrics.timedOut()
            throw StoreUnavailable(
                reason:
                    "all \(size) database connections in use for \(patience) (APP_DB_POOL_SIZE, APP_DB_POOL_TIMEOUT_MS)"
            )
        }
    }

    /// Opens a connection in a slot already counted in `busy`, and sets the database up the first time.
    private func open() async throws -> PostgresConnection {
        do {
            let connection = try await PostgresConnection.connect(address, applicationName: "app")
            if !isSetUp {
                let setUp = setUp
                _ = try await Self.onThread { try setUp(connection) }.get()
                isSetUp = true
            }
            return connection
        } catch {
            freeSlot()
            throw error
        }
    }

    private func release(_ connection: PostgresConnection) {
        guard connection.isConnected else {
            freeSlot()
            return
        }
        if waiters.isEmpty {
            busy -= 1
            idle.append(connection)
            publish()
        } else {
            waiters.removeFirst().continuation.resume(returning: .connection(connection))
        }
    }

    /// A slot freed by a connection that failed or ended: a waiting request may open one in it.
    private func freeSlot() {
        if waiters.isEmpty {
            busy -= 1
        } else {
            waiters.removeFirst().continuation.resume(returning: .slot)
        }
        publish()
    }

    /// Waits for a connection or a slot handed over by ``release(_:)`` or ``freeSlot()``; nil after `patience`.
    private func waitForGrant(patience: Duration) async -> Grant? {
        nextWaiter += 1
        let id = nextWaiter
        let grant = await withCheckedContinuation { continuation in
            waiters.append((id, continuation))
            publish()
            Task {
                try? await Task.sleep(for: patience)
                self.expire(id)
            }
        }
        publish()
        return grant
    }

    private func expire(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(returning: nil)
    }

    private func publish() {
        metrics.update(idle: idle.count, inUse: busy, waiting: waiters.count)
    }

    /// Runs `work` on a thread that may block (libpq's calls do) rather than on one of the few threads that
    /// run every task.
    private static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async -> Result<T, any Error>
    {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: Result(catching: work)) }
        }
    }
}
