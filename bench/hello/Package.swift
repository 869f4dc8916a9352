// swift-tools-version:6.1
// Hummingbird alone: one route answering nginx's reply, no middleware, no log, no metrics. bench/app_bench.py
// measures it beside the app to tell the framework's own ceiling from what the app adds on top. A package of
// its own so that the product never builds it; the same Hummingbird version and trait as the app.
import PackageDescription

let package = Package(
    name: "hello",
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: ["FullFoundation"])
    ],
    targets: [
        .executableTarget(name: "hello", dependencies: [.product(name: "Hummingbird", package: "hummingbird")])
    ]
)
