// swift-tools-version:6.1
import PackageDescription

// Linux only: the code uses Glibc, /proc and Linux socket flags (Sources/Conventions/Platform.swift refuses
// other systems at compile time).
let package = Package(
    name: "incident",
    products: [
        .executable(name: "incident", targets: ["incident"]),
        .executable(name: "app", targets: ["app"]),
        .executable(name: "incident-serve", targets: ["incident-serve"]),
        .executable(name: "incident-multicall", targets: ["incident-multicall"]),
        .library(name: "IncidentKit", targets: ["IncidentKit"]),
        .library(name: "FaultLab", targets: ["FaultLab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // The swift-configuration trait is left off: the service reads its few settings itself.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // RFC 3339 times to and from epoch milliseconds; the standard library only.
        .target(name: "RFC3339"),
        // What both executables share: exit statuses, error lines, errno text, JSON settings.
        .target(name: "Conventions"),
        // PostgreSQL through libpq, loaded when first used: connections, queries, errors sorted by exit status.
        .target(name: "PostgresSupport"),
        // How both stores open and migrate their SQLite files.
        .target(
            name: "SQLiteSupport",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]),
        // The fault types, parameters and bounds, their JSON and text forms; no server or CLI code.
        .target(name: "FaultCatalog", dependencies: ["Conventions", "RFC3339"]),
        // The facts the app's metrics and the alerting rules share (bucket bounds, profiles), kept once in a
        // JSON file that the scripts under scripts/ read too.
        .target(name: "MonitoringContract", resources: [.embedInCode("monitoring.json")]),
        // A small HTTP/1.1 client for the admin API, health checks and probes.
        .target(name: "LabHTTP", dependencies: ["Conventions"]),
        // The incident tracker's core: model, store, reports, postmortems, import and export.
        .target(
            name: "IncidentKit",
            dependencies: [
                "Conventions", "FaultCatalog", "PostgresSupport", "RFC3339", "SQLiteSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        // YAML (and JSON) files read strictly: unknown keys refused, every problem with its file, line and key.
        .target(name: "StrictYAML", dependencies: [.product(name: "Yams", package: "Yams")]),
        // SLOs as code: OpenSLO v1 files read strictly, Prometheus recording rules and burn-rate alerts.
        .target(name: "SLOKit", dependencies: ["Conventions", "MonitoringContract", "StrictYAML"]),
        // SLOs measured on Prometheus's HTTP API: SLI, error budget, the budget each incident spent.
        .target(name: "SLOStatus", dependencies: ["IncidentKit", "LabHTTP", "SLOKit"]),
        // The game-day loop: inject and clear faults, the black-box prober, scenarios, the supervisor.
        .target(
            name: "GameDay",
            dependencies: ["Conventions", "FaultCatalog", "IncidentKit", "LabHTTP", "SLOStatus", "StrictYAML"]
        ),
        // Alertmanager's webhook payload turned into store calls; no server code.
        .target(name: "AlertIntake", dependencies: ["IncidentKit", "RFC3339"]),
        // The receiver's routes and server, for incident-serve (Hummingbird).
        .target(
            name: "IncidentServer",
            dependencies: [
                "AlertIntake", "Conventions", "IncidentKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The service under test: routes, fault injection, metrics, logs, graceful shutdown.
        .target(
            name: "FaultLab",
            dependencies: [
                "Conventions", "FaultCatalog", "MonitoringContract", "PostgresSupport", "SQLiteSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The three command lines as libraries, so that the container image can carry them in one binary.
        .target(
            name: "IncidentCLI",
            dependencies: [
                "Conventions", "FaultCatalog", "GameDay", "IncidentKit", "PostgresSupport", "SLOKit", "SLOStatus",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "ServeCLI",
            dependencies: [
                "Conventions", "IncidentKit", "IncidentServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "AppCLI",
            dependencies: [
                "Conventions", "FaultLab", "LabHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "app"
        ),
        // Each executable is one line over its library; incident-multicall is all three, told apart by argv[0].
        .executableTarget(name: "incident", dependencies: ["IncidentCLI"]),
        .executableTarget(name: "incident-serve", dependencies: ["ServeCLI"]),
        .executableTarget(name: "app", dependencies: ["AppCLI"]),
        .executableTarget(name: "incident-multicall", dependencies: ["AppCLI", "IncidentCLI", "ServeCLI"]),
        .target(
            name: "TestSupport",
            dependencies: ["Conventions", "PostgresSupport", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "RFC3339Tests", dependencies: ["RFC3339"]),
        .testTarget(name: "PostgresSupportTests", dependencies: ["PostgresSupport", "TestSupport"]),
        .testTarget(name: "FaultCatalogTests", dependencies: ["FaultCatalog"]),
        .testTarget(name: "LabHTTPTests", dependencies: ["LabHTTP"]),
        .testTarget(
            name: "IncidentServerTests",
            dependencies: [
                "IncidentServer", "IncidentKit", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "ConventionsTests", dependencies: ["Conventions", "TestSupport"]),
        .testTarget(name: "SLOKitTests", dependencies: ["MonitoringContract", "SLOKit", "StrictYAML", "TestSupport"]),
        .testTarget(name: "GameDayTests", dependencies: ["GameDay", "IncidentKit", "FaultCatalog", "TestSupport"]),
        .testTarget(
            name: "IncidentKitTests",
            dependencies: ["IncidentKit", "TestSupport"],
            exclude: ["Fixtures"]  // golden files, read from the source tree
        ),
        .testTarget(
            name: "incidentTests",
            // Depending on the executable makes `swift test` build the binary these tests run.
            dependencies: [
                "incident", "incident-serve", "app", "Conventions", "IncidentKit", "LabHTTP", "PostgresSupport",
                "TestSupport",
            ]
        ),
        .testTarget(
            name: "AppTests",
            dependencies: [
                "app", "Conventions", "FaultLab", "FaultCatalog", "PostgresSupport", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ]
)
