// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "incident",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "incident", targets: ["incident"]),
        .library(name: "IncidentKit", targets: ["IncidentKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        .target(
            name: "IncidentKit",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        .executableTarget(
            name: "incident",
            dependencies: [
                "IncidentKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "TestSupport",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift")],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "IncidentKitTests",
            dependencies: ["IncidentKit", "TestSupport"],
            exclude: ["Fixtures"]  // golden files, read from the source tree
        ),
        .testTarget(
            name: "incidentTests",
            // Depending on the executable makes `swift test` build the binary these tests run.
            dependencies: ["incident", "IncidentKit", "TestSupport"]
        ),
    ]
)
