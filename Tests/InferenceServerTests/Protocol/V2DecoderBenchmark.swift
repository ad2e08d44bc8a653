import Foundation
import Testing
import InferenceServer

/// Not a test: the decode-throughput benchmark driven by benchmarks/json/run.sh. Without
/// `KILN_JSON_BENCH=1` it returns at once; with it, it decodes the body file named by
/// `KILN_JSON_BENCH_BODY` and prints MB/s and ns per number.
@Suite struct V2DecoderBenchmark {
    @Test func decodeThroughput() throws {
        let env = ProcessInfo.processInfo.environment
        guard env["KILN_JSON_BENCH"] == "1", let path = env["KILN_JSON_BENCH_BODY"] else { return }
        let body = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let iterations = Int(env["KILN_JSON_BENCH_ITERATIONS"] ?? "") ?? 50
        let r = try V2Benchmark.decodeThroughput(body: body, iterations: iterations)
        print(String(format: "KILN_JSON_BENCH bytes=%d numbers=%d best_ms=%.3f mean_ms=%.3f MBps=%.1f ns_per_number=%.2f",
                     r.bytes, r.elements, r.bestSeconds * 1e3, r.meanSeconds * 1e3, r.megabytesPerSecond, r.nanosecondsPerElement))
    }
}
