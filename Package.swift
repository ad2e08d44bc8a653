// swift-tools-version:6.2
import Foundation
import PackageDescription

/// The engine's own kernels (depthwise conv, pooling, element-wise, exp/tanh) are Swift SIMD
/// code: compiled for Haswell (AVX2 + FMA, x86-64-v3) they run 1.4–1.5× faster than for
/// baseline x86-64 (docs/performance.md). `KILN_PORTABLE=1 swift build …` builds for any
/// x86-64 CPU instead; a Haswell build checks the CPU at start-up and refuses to run on one
/// without AVX2/FMA rather than dying on an illegal instruction.
let portable = Context.environment["KILN_PORTABLE"] == "1"
let engineSettings: [SwiftSetting] =
    portable ? [.define("KILN_PORTABLE")] : [.unsafeFlags(["-target-cpu", "haswell"], .when(platforms: [.linux]))]

/// Kiln: an HTTP inference server for industry AI services.
/// Dependency direction: kiln → InferenceServer → HTTPServer → HTTPCore → CZlib; InferenceServer → CJSONScan;
/// InferenceServer → Workers → Imaging → TensorEngine, HTTPCore, CJPEG, CPNG, CDeflate (via CImageShims);
/// kiln → ModelConvert → TensorEngine → CKilnKernels, COpenBLAS, COpenSSL, CZlib.
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
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),

        // GNU-only syscalls (accept4, sched_getaffinity) behind a two-function C shim.
        .target(name: "CSystemShims"),
        // libjpeg/libpng fail by longjmp, which Swift cannot catch: setjmp wrappers in C.
        .systemLibrary(name: "CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        .target(name: "CImageShims", dependencies: ["CJPEG", "CPNG", "CDeflate"], cSettings: [.unsafeFlags(["-O3"])]),

        // The engine's own pre-packed SGEMM micro-kernels (AVX-512F, AVX2+FMA, portable C),
        // compiled for baseline x86-64 with per-function targets and picked at run time.
        .target(name: "CKilnKernels", cSettings: [.unsafeFlags(["-O3"])]),
        // The V2 JSON decoder's flat FP32 loop: 16-byte SIMD scanning (SSE4.1, checked at run time).
        .target(name: "CJSONScan", cSettings: [.unsafeFlags(["-O3"])]),

        // MARK: Libraries.
        .target(name: "HTTPCore", dependencies: ["CZlib"]),
        .target(
            name: "HTTPServer",
            dependencies: ["HTTPCore", "CSystemShims", .product(name: "Logging", package: "swift-log")]
        ),
        // Industry services: pre- and post-processing around a model (no I/O, no scheduling).
        .target(name: "Workers", dependencies: ["HTTPCore", "Imaging", "TensorEngine"]),
        .target(
            name: "InferenceServer",
            dependencies: [
                "CJSONScan",
                "CSystemShims",
                "HTTPServer",
                "TensorEngine",
                "Workers",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        // Shared tensor engine: OpenBLAS for GEMM, OpenSSL for .kiln checksums, zlib's CRC-32.
        .target(name: "TensorEngine", dependencies: ["CKilnKernels", "COpenBLAS", "COpenSSL", "CZlib", "CSystemShims"], swiftSettings: engineSettings),

        // JPEG/PNG decode, resize and normalise into input tensors; image bytes from requests.
        .target(
            name: "Imaging",
            dependencies: ["TensorEngine", "HTTPCore", "CJPEG", "CPNG", "CZlib", "CImageShims"],
            swiftSettings: engineSettings
        ),

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
        .testTarget(name: "HTTPCoreTests", dependencies: ["HTTPCore", "CZlib"], exclude: ["Fixtures"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer"]),
        .testTarget(name: "InferenceServerTests", dependencies: ["InferenceServer", "CJSONScan"]),
        .testTarget(name: "WorkersTests", dependencies: ["Workers"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TensorEngine", "CImageShims", "CZlib"], exclude: ["Fixtures"]),
        .testTarget(name: "TensorEngineTests", dependencies: ["TensorEngine"]),
        .testTarget(name: "ModelConvertTests", dependencies: ["ModelConvert"], exclude: ["Fixtures"]),
        .testTarget(name: "SystemLibrariesTests", dependencies: ["CZlib", "COpenBLAS", "COpenSSL"]),
    ]
)

/// The fuzz harnesses (Tests/Fuzz): one library of parser entry points over public API, replayed
/// by the unit tests and linked by the libFuzzer package in Tests/Fuzz. Declared only when the
/// folder exists, since the Docker build copies Sources/ alone.
if FileManager.default.fileExists(atPath: Context.packageDirectory + "/Tests/Fuzz/Harnesses") {
    package.products.append(.library(name: "KilnFuzzHarnesses", targets: ["KilnFuzzHarnesses"]))
    package.targets += [
        .target(
            name: "KilnFuzzHarnesses",
            dependencies: ["HTTPCore", "InferenceServer", "Workers", "Imaging", "TensorEngine", "ModelConvert"],
            path: "Tests/Fuzz/Harnesses"
        ),
        .testTarget(name: "KilnFuzzHarnessesTests", dependencies: ["KilnFuzzHarnesses"], path: "Tests/Fuzz/HarnessTests"),
    ]
}
