// swift-tools-version:6.0
import PackageDescription

// Benchmark peer only: a Hummingbird 2 hello-world answering the same health route as Kiln.
// Built by benchmarks/http/run.sh with its own scratch path; never a dependency of Kiln.
let package = Package(
    name: "hb-hello",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        .executableTarget(
            name: "HBHello",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")]
        ),
    ]
)
