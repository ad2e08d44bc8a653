#if canImport(Glibc)
import Glibc
#endif

/// Latency of one plan on random inputs of its shapes: a warm-up, then timed runs.
public enum PlanBenchmark {
    /// Percentiles and throughput of one configuration.
    public struct Result: Sendable {
        public var batch: Int
        public var threads: Int
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double
        public var samplesPerSecond: Double
    }

    /// `pauseMicroseconds` of idle time before each timed run mimics a server between
    /// requests: helper threads go back to sleep and caches cool, which back-to-back runs hide.
    public static func run(
        _ plan: ExecutionPlan, iterations: Int, warmup: Int = 5, seed: UInt64 = 42, pauseMicroseconds: Int = 0
    ) throws(EngineError) -> Result {
        var rng = SeededGenerator(seed: seed)
        let inputs = plan.inputs.map { spec in randomTensor(spec, &rng) }
        for _ in 0..<warmup { _ = try plan.run(inputs) }
        var times: [Double] = []
        times.reserveCapacity(iterations)
        for _ in 0..<max(1, iterations) {
            if pauseMicroseconds > 0 { usleep(useconds_t(pauseMicroseconds)) }
            let start = now()
            _ = try plan.run(inputs)
            times.append(now() - start)
        }
        times.sort()
        let mean = times.reduce(0, +) / Double(times.count)
        return Result(
            batch: plan.batch, threads: plan.threads, p50Milliseconds: percentile(times, 0.5) * 1000,
            p99Milliseconds: percentile(times, 0.99) * 1000, samplesPerSecond: Double(plan.batch) / mean)
    }

    /// The nearest-rank percentile `p` (0 < p ≤ 1) of ascending, non-empty `sorted`.
    public static func percentile<T>(_ sorted: [T], _ p: Double) -> T {
        sorted[min(sorted.count - 1, max(0, Int((Double(sorted.count) * p).rounded(.up)) - 1))]
    }

    /// The `top` slowest steps over `iterations` runs: step index, summary, mean milliseconds
    /// per run, and share of all steps' time.
    public static func profile(_ plan: ExecutionPlan, iterations: Int, top: Int, seed: UInt64 = 42) throws(EngineError)
        -> [(step: Int, summary: String, milliseconds: Double, share: Double)]
    {
        var rng = SeededGenerator(seed: seed)
        let inputs = plan.inputs.map { spec in randomTensor(spec, &rng) }
        _ = try plan.run(inputs)  // checks the inputs once; the timed runs skip the checks
        var nanos: [UInt64] = []
        for _ in 0..<max(1, iterations) { plan.accumulateStepTimes(inputs, into: &nanos) }
        let total = Double(max(nanos.reduce(0, +), 1))
        return nanos.enumerated().sorted { $0.element > $1.element }.prefix(top).map { i, n in
            (i, plan.stepSummaries[i], Double(n) / Double(max(1, iterations)) / 1e6, Double(n) / total)
        }
    }

    /// Uniform [-1, 1) floats; integer inputs (token ids) in [0, 10).
    public static func randomTensor(_ spec: ValueInfo, _ rng: inout SeededGenerator) -> Tensor {
        let t = Tensor(shape: Shape(spec.shape), dtype: spec.dtype)
        switch spec.dtype {
        case .float32:
            for i in 0..<t.count { t.floatPointer[i] = Float.random(in: -1..<1, using: &rng) }
        case .int64:
            let p = t.rawPointer.assumingMemoryBound(to: Int64.self)
            for i in 0..<t.count { p[i] = Int64.random(in: 0..<10, using: &rng) }
        case .int32:
            let p = t.rawPointer.assumingMemoryBound(to: Int32.self)
            for i in 0..<t.count { p[i] = Int32.random(in: 0..<10, using: &rng) }
        default: break
        }
        return t
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// SplitMix64: reproducible random inputs for benchmarks and tests.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
