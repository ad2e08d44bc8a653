import Dispatch

/// Decoder throughput measurement for benchmarks/json (not used by the server).
public enum V2Benchmark {
    /// Timing of `iterations` decodes of one body (after one warm-up decode).
    public struct Result: Sendable {
        public var bytes: Int
        public var elements: Int
        /// Best single-iteration time, in seconds (least disturbed by other load on the machine).
        public var bestSeconds: Double
        public var meanSeconds: Double
        public var megabytesPerSecond: Double { Double(bytes) / bestSeconds / 1e6 }
        public var nanosecondsPerElement: Double { bestSeconds * 1e9 / Double(max(elements, 1)) }
    }

    /// Decodes `body` (plain JSON, no binary part) `iterations` times.
    public static func decodeThroughput(body: [UInt8], iterations: Int) throws(V2Error) -> Result {
        let warm = try V2RequestDecoder.decode(body, inferenceHeaderLength: nil)
        let elements = warm.inputs.reduce(0) { $0 + $1.tensor.count }
        var best = Double.infinity
        var total = 0.0
        for _ in 0..<max(iterations, 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            let r = try V2RequestDecoder.decode(body, inferenceHeaderLength: nil)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            precondition(r.inputs.count == warm.inputs.count)
            best = min(best, seconds)
            total += seconds
        }
        return Result(bytes: body.count, elements: elements, bestSeconds: best, meanSeconds: total / Double(max(iterations, 1)))
    }
}
