import Foundation
import Testing
@testable import Imaging

/// Not a correctness test: times decode and decode + preprocess of the service samples
/// into their model inputs ([1,3,128,128] defect detection, [1,1,128,128] triage). Runs
/// only when KILN_IMAGING_PERF=1 (use `swift test -c release`); optional
/// KILN_IMAGING_BENCH names an extra large JPEG (benchmarks/imaging/run.sh makes one).
@Suite struct PreprocessBenchmarkTests {
    static let enabled = ProcessInfo.processInfo.environment["KILN_IMAGING_PERF"] == "1"
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Median wall time per call in microseconds, over `batches` batches of `inner` calls.
    func median(_ inner: Int, _ body: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<15 {
            let start = ContinuousClock.now
            for _ in 0..<inner { try body() }
            let d = ContinuousClock.now - start
            times.append((Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12) / Double(inner))
        }
        return times.sorted()[times.count / 2]
    }

    @Test(.enabled(if: enabled))
    func samples() throws {
        let rgb = ImagePreprocessing(width: 128, height: 128, channels: 3, mean: [0.4615, 0.4615, 0.4619], std: [0.1065, 0.1064, 0.1065])
        let gray = ImagePreprocessing(width: 128, height: 128, channels: 1, mean: [0.4056], std: [0.2422])
        var cases: [(String, ImagePreprocessing)] = [
            ("models/defect_detection/samples/scratches_01.jpg", rgb),
            ("models/defect_detection/samples/crazing_01.png", rgb),
            ("models/medical_triage/samples/urgent_01.png", gray),
            ("models/medical_triage/samples/urgent_02.jpg", gray),
        ]
        if let big = ProcessInfo.processInfo.environment["KILN_IMAGING_BENCH"] { cases.append((big, rgb)) }
        for (path, spec) in cases {
            let full = path.hasPrefix("/") ? path : Self.root.appendingPathComponent(path).path
            let bytes = [UInt8](FileManager.default.contents(atPath: full)!)
            let inner = bytes.count > 1_000_000 ? 3 : 50
            let options = DecodeOptions(minimumSize: ImageSize(width: spec.width, height: spec.height))
            let image = try ImageDecoder.decode(bytes, options: options)
            let decode = try median(inner) { _ = try ImageDecoder.decode(bytes, options: options) }
            let prep = median(inner) { _ = spec.tensor(from: image) }
            let total = try median(inner) { _ = try spec.tensor(from: bytes) }
            print(String(format: "PERF %@ %d B %dx%dx%d: decode %.1f µs, preprocess %.1f µs, total %.1f µs",
                         (path as NSString).lastPathComponent, bytes.count, image.width, image.height, image.channels, decode, prep, total))
        }
    }
}
