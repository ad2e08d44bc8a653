import Foundation
import Testing
@testable import Imaging

/// Not a correctness test: times full versus scaled-IDCT decoding of a large JPEG and
/// prints the numbers (docs/imaging.md). Runs only when KILN_IMAGING_BENCH names a JPEG;
/// benchmarks/imaging/run.sh makes a 3000×2000 one and sets it.
@Suite struct ScaledDecodeBenchmarkTests {
    static let path = ProcessInfo.processInfo.environment["KILN_IMAGING_BENCH"]

    /// Median wall time of `runs` calls, in milliseconds.
    func median(_ runs: Int, _ body: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<runs {
            let start = ContinuousClock.now
            try body()
            let d = ContinuousClock.now - start
            times.append(Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15)
        }
        return times.sorted()[runs / 2]
    }

    @Test(.enabled(if: path != nil))
    func scaledIDCTSpeedUp() throws {
        let bytes = [UInt8](FileManager.default.contents(atPath: Self.path!)!)
        let full = try median(7) { _ = try ImageDecoder.decode(bytes) }
        print("decode full: \(String(format: "%.1f", full)) ms")
        for side in [1500, 750, 375, 224] {
            let options = DecodeOptions(minimumSize: ImageSize(width: side, height: side))
            let image = try ImageDecoder.decode(bytes, options: options)
            let t = try median(7) { _ = try ImageDecoder.decode(bytes, options: options) }
            print("decode for ≥\(side)×\(side): \(image.width)×\(image.height) in \(String(format: "%.1f", t)) ms, \(String(format: "%.1f", full / t))× faster")
        }
        let spec = ImagePreprocessing(width: 224, height: 224, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], resize: .shorterSideCrop)
        let slow = try median(5) { _ = try spec.tensor(from: bytes, scaledDecode: false) }
        let fast = try median(5) { _ = try spec.tensor(from: bytes, scaledDecode: true) }
        print("preprocess 224×224 crop: full decode + resize \(String(format: "%.1f", slow)) ms, scaled \(String(format: "%.1f", fast)) ms, \(String(format: "%.1f", slow / fast))×")
        #expect(fast < slow)
    }
}
