// swift-tools-version:6.2
import Foundation
import PackageDescription

/// Kiln's libFuzzer harnesses, kept out of the product build: built only by `make fuzz` and
/// `make fuzz-smoke` with `--sanitize=fuzzer --sanitize=address` into `.build-fuzz`.
/// One executable links every harness (each link of the whole server with ASan is costly);
/// `KILN_FUZZ_TARGET` names the one a process runs. The harnesses themselves live in the
/// root package (Tests/Fuzz/Harnesses), where the unit tests replay the corpora too.
let root = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().deletingLastPathComponent()

let package = Package(
    name: "KilnFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "kiln-fuzz",
            dependencies: [.product(name: "KilnFuzzHarnesses", package: root.lastPathComponent)],
            path: "Sources/KilnFuzz",
            // libFuzzer supplies main(); the module must not emit one.
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    ]
)
