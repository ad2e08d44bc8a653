// swift-tools-version:6.2
import PackageDescription

/// Kiln: an HTTP inference server for industry AI services.
/// Dependency direction: kiln → InferenceServer → HTTPServer → HTTPCore → CZlib;
/// kiln → ModelConvert → TensorEngine → COpenBLAS, COpenSSL, CZlib.
/// The C system libraries are module maps over Debian's -dev packages.
let package = Package(
    name: "Kiln",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kiln", targets: ["kiln"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    ],
    targets: [
        // MARK: C system libraries (module maps; pkg-config supplies include paths).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),

        // GNU-only syscalls (accept4, sched_getaffinity) behind a two-function C shim.
        .target(name: "CSystemShims"),

        // MARK: Libraries.
        .target(name: "HTTPCore", dependencies: ["CZlib"]),
        .target(
            name: "HTTPServer",
            dependencies: ["HTTPCore", "CSystemShims", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "InferenceServer",
            dependencies: [
                "HTTPServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        // Shared tensor engine: OpenBLAS for GEMM, OpenSSL for .kiln checksums, zlib's CRC-32.
        .target(name: "TensorEngine", dependencies: ["COpenBLAS", "COpenSSL", "CZlib"]),

        // ONNX → .kiln. Only the CLI links it; the serving path never does.
        .target(
            name: "ModelConvert",
            dependencies: ["TensorEngine", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),

        // MARK: The thin executable.
        .executableTarget(
            name: "kiln",
            dependencies: [
                "InferenceServer",
                "ModelConvert",
                "TensorEngine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Tests (Swift Testing), mirroring Sources/.
        .testTarget(name: "HTTPCoreTests", dependencies: ["HTTPCore"], exclude: ["Fixtures"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer"]),
        .testTarget(name: "InferenceServerTests", dependencies: ["InferenceServer"]),
        .testTarget(name: "TensorEngineTests", dependencies: ["TensorEngine"]),
        .testTarget(name: "ModelConvertTests", dependencies: ["ModelConvert"], exclude: ["Fixtures"]),
        .testTarget(name: "SystemLibrariesTests", dependencies: ["CZlib", "COpenBLAS", "COpenSSL"]),
    ]
)
