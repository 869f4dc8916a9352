import Conventions
import FaultCatalog
import Foundation
import Logging
import PostgresSupport

/// The service's settings, from the environment (docs/contract.md, "The service") with command-line flags
/// taking precedence.
public struct AppConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// The SQLite file of the notes store, the service's dependency, when ``database`` is nil.
    public var dataPath = "app.db"
    /// The PostgreSQL database every replica shares, instead of the SQLite file.
    public private(set) var database: DatabaseSettings?
    /// Enables the admin API; nil leaves it answering 404. Visible ASCII characters only.
    public var adminToken: String?
    public var logLevel = Logger.Level.info
    /// Faults put in force at start-up, as a bad deploy would bring them; admitted against ``faultCaps``.
    public private(set) var startupFaults: [FaultSpec] = []
    /// How much fault may be in force at once.
    public private(set) var faultCaps = FaultCaps()
    /// How long the server keeps serving after SIGTERM with readiness at 503.
    public var drainDelay = Duration.seconds(2)
    /// Off removes the fault middleware and the admin API, as production builds of a game-day service
    /// would run.
    public var faultInjection = true
    /// How long a connection may stay open with no request in progress, kept-alive ones included.
    public private(set) var idleTimeout = Duration.seconds(60)
    /// How long a request head may take to arrive in full, counted from the connection's opening or, on a
    /// kept-alive connection, from the request's first byte: slower clients (slowloris) are disconnected.
    public private(set) var headerTimeout = Duration.seconds(10)
    /// The release this process runs, as `GET /` and `app_build_info` report it: the build's own version
    /// unless the deploy stamps another (`APP_VERSION`).
    public private(set) var version = AppVersion.current
    /// The defects the release carries (`APP_DEFECTS`): part of the release, not faults, so the admin API
    /// neither lists nor clears them; they end only when the replica runs another release.
    public private(set) var defects: Set<ReleaseDefect> = []

    static let drainDelayLimit = 0.0...30
    static let connectionTimeoutLimit = 0.1...3600

    /// Reads `APP_HOST`, `APP_PORT`, `APP_DATA`, `APP_ADMIN_TOKEN`, `APP_LOG_LEVEL`, `APP_FAULTS`,
    /// `APP_DRAIN_DELAY_S`, `APP_FAULT_INJECTION`, `APP_IDLE_TIMEOUT_S`, `APP_HEADER_TIMEOUT_S`,
    /// `APP_MAX_FAULTS`, `APP_MAX_LEAK_MB`, `APP_MAX_BURN_THREADS`, `APP_DATABASE_URL`, `APP_DB_POOL_SIZE` and
    /// `APP_DB_POOL_TIMEOUT_MS`.
    public init(environment: [String: String]) throws(ConfigurationError) {
        if let host = environment["APP_HOST"] { self.host = host }
        if let port = environment["APP_PORT"] { try setPort(port, source: "APP_PORT") }
        if let path = environment["APP_DATA"] { dataPath = path }
        if let token = environment["APP_ADMIN_TOKEN"], !token.isEmpty {
            // A blank token would turn the admin API on for anyone who sends 'Bearer ' and a space.
            guard token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                throw ConfigurationError(
                    "APP_ADMIN_TOKEN is blank or holds spaces or other characters an Authorization header cannot "
                        + "carry; use visible ASCII characters only, or leave it unset or empty to turn the admin API off"
                )
            }
            adminToken = token
        }
        if let level = environment["APP_LOG_LEVEL"] { try setLogLevel(level, source: "APP_LOG_LEVEL") }
        if let delay = environment["APP_DRAIN_DELAY_S"] { try setDrainDelay(delay, source: "APP_DRAIN_DELAY_S") }
        if let idle = environment["APP_IDLE_TIMEOUT_S"] {
            idleTimeout = try Self.seconds(idle, source: "APP_IDLE_TIMEOUT_S", in: Self.connectionTimeoutLimit)
        }
        if let header = environment["APP_HEADER_TIMEOUT_S"] {
            headerTimeout = try Self.seconds(header, source: "APP_HEADER_TIMEOUT_S", in: Self.connectionTimeoutLimit)
        }
        if let switchValue = environment["APP_FAULT_INJECTION"] {
            switch switchValue.lowercased() {
            case "on", "1", "true": faultInjection = true
            case "off", "0", "false": faultInjection = false
            default: throw ConfigurationError("APP_FAULT_INJECTION is '\(switchValue)'; use on or off")
            }
        }
        let caps = [
            ("APP_MAX_FAULTS", \FaultCaps.faults, FaultCaps.faultsRange, "a number of faults"),
            ("APP_MAX_LEAK_MB", \.leakMegabytes, FaultCaps.leakMegabytesRange, "megabytes"),
            ("APP_MAX_BURN_THREADS", \.burnThreads, FaultCaps.burnThreadsRange, "a number of threads"),
        ]
        for (name, cap, range, unit) in caps {
            if let value = try Self.whole(name, in: environment, range, unit) { faultCaps[keyPath: cap] = value }
        }
        database = try DatabaseSettings(environment: environment)
        if let version = environment["APP_VERSION"] {
            let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_+")
            guard (1...64).contains(version.count), version.allSatisfy(allowed.contains) else {
                throw ConfigurationError(
                    "APP_VERSION is '\(version.prefix(80))'; give 1 to 64 letters, digits, '.', '-', '_' or '+'")
            }
            self.version = version
        }
        if let defects = environment["APP_DEFECTS"], !defects.isEmpty {
            self.defects = Set(
                try defects.split(separator: ",").map { name throws(ConfigurationError) in
                    guard let defect = ReleaseDefect(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                        throw ConfigurationError(
                            "APP_DEFECTS names '\(name)'; use "
                                + ReleaseDefect.allCases.map(\.rawValue).joined(separator: ", "))
                    }
                    return defect
                })
        }
        if let faults = environment["APP_FAULTS"], !faults.isEmpty {
            guard faultInjection else {
                throw ConfigurationError("APP_FAULTS is set but APP_FAULT_INJECTION is off; unset one of them")
            }
            do {
                startupFaults = try FaultSpec.list(json: Data(faults.utf8))
            } catch {
                throw ConfigurationError(error.description)
            }
            for (index, spec) in startupFaults.enumerated() {
                do {
                    try faultCaps.admit(spec, alongside: Array(startupFaults[..<index]))
                } catch {
                    throw ConfigurationError("APP_FAULTS[\(index)]: \(error.description)")
                }
            }
        }
    }

    public mutating func setPort(_ text: String, source: String) throws(ConfigurationError) {
        guard let port = Int(text), (0...65_535).contains(port) else {
            throw ConfigurationError("\(source) is '\(text)'; a port is a number from 0 to 65535 (0: any free port)")
        }
        self.port = port
    }

    public mutating func setLogLevel(_ text: String, source: String) throws(ConfigurationError) {
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError("\(source) is '\(text)'; use one of \(levels)")
        }
        logLevel = level
    }

    public mutating func setDrainDelay(_ text: String, source: String) throws(ConfigurationError) {
        drainDelay = try Self.seconds(text, source: source, in: Self.drainDelayLimit)
    }

    /// The whole number the environment variable `name` holds, within `range`; nil when it is not set. The error
    /// names the variable, what it counts (`unit`) and the range.
    static func whole(_ name: String, in environment: [String: String], _ range: ClosedRange<Int>, _ unit: String)
        throws(ConfigurationError) -> Int?
    {
        guard let text = environment[name] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(
                "\(name) is '\(text)'; give \(unit) from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// `text` as a number of seconds within `range`; the error names `source` and the range.
    private static func seconds(_ text: String, source: String, in range: ClosedRange<Double>)
        throws(ConfigurationError) -> Duration
    {
        guard let seconds = Double(text), range.contains(seconds) else {
            throw ConfigurationError(
                "\(source) is '\(text)'; give seconds from \(range.lowerBound.plain) to \(range.upperBound.plain)")
        }
        return .seconds(seconds)
    }
}

/// Where the notes are when a PostgreSQL database holds them, and the bounds of the connection pool.
public struct DatabaseSettings: Sendable {
    /// A `postgres://` URI; libpq reads it, with the `PG…` variables and `~/.pgpass`. Its parameters tune the
    /// connection: `connect_timeout=2`, `options=-c%20statement_timeout%3D5000`.
    public var address: String
    /// Connections each replica may open at most (`APP_DB_POOL_SIZE`).
    public var poolSize = 4
    /// How long a call waits for a free connection before it is answered 503 (`APP_DB_POOL_TIMEOUT_MS`).
    public var poolTimeout = Duration.seconds(1)

    static let poolSizeLimit = 1...64
    static let poolTimeoutLimit = 1...60_000

    /// The settings of `APP_DATABASE_URL`, `APP_DB_POOL_SIZE` and `APP_DB_POOL_TIMEOUT_MS`; nil without a URL.
    init?(environment: [String: String]) throws(ConfigurationError) {
        guard let address = environment["APP_DATABASE_URL"], !address.isEmpty else {
            for name in ["APP_DB_POOL_SIZE", "APP_DB_POOL_TIMEOUT_MS"] where environment[name] != nil {
                throw ConfigurationError("\(name) is set but APP_DATABASE_URL is not; the pool is PostgreSQL's")
            }
            return nil
        }
        guard PostgresAddress.isAddress(address) else {
            throw ConfigurationError(
                "APP_DATABASE_URL must be a postgres:// or postgresql:// URI, such as "
                    + "postgres://app@127.0.0.1:5432/app; leave it unset to keep notes in APP_DATA's SQLite file")
        }
        self.address = address
        if let size = try AppConfiguration.whole(
            "APP_DB_POOL_SIZE", in: environment, Self.poolSizeLimit, "a number of connections")
        {
            poolSize = size
        }
        if let milliseconds = try AppConfiguration.whole(
            "APP_DB_POOL_TIMEOUT_MS", in: environment, Self.poolTimeoutLimit, "milliseconds")
        {
            poolTimeout = .milliseconds(milliseconds)
        }
    }
}

/// A setting the service cannot start with; the message names it and what it accepts.
public struct ConfigurationError: ExitingError {
    public let description: String

    public var exitStatus: ExitStatus { .usage }

    public init(_ description: String) {
        self.description = description
    }
}

/// A defect a bad release carries (`APP_DEFECTS`), for the deploy game days (docs/contract.md, "Deploys
/// in the lab"): what a refactoring that went wrong would do, rather than a fault injected from outside.
public enum ReleaseDefect: String, CaseIterable, Sendable {
    /// `GET /api/notes` answers 500: the listing handler broke; every other route works.
    case listNotes500 = "list_notes_500"
    /// Every `POST /api/notes` takes 300 ms longer: a write path that does a needless round trip.
    case slowWrites = "slow_writes"

    /// What ``slowWrites`` adds to each write.
    static let slowWriteDelay = Duration.milliseconds(300)
}

/// The version `GET /` and `app_build_info` report.
public enum AppVersion {
    public static let current = "0.1.0"
}
