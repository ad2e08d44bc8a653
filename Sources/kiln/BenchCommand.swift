import ArgumentParser
import Foundation
import TensorEngine

/// `kiln bench`: latency and throughput per batch size and thread count on random inputs.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmark a .kiln model: p50/p99 latency and samples/s per configuration.")

    @Argument(help: "The .kiln file; with --sample, a model folder (config.json and version folders).")
    var model: String

    @Option(name: .customLong("sample"), help: "A request body to time through the folder's industry service: decode and pre-processing, the model, the answer (repeatable). The content type follows the extension (.jpg, .png, .json).")
    var samples: [String] = []

    @Option(help: "Batch sizes, comma-separated.")
    var batch: String = "1"

    @Option(help: "Thread counts, comma-separated.")
    var threads: String = "1"

    @Option(help: "Timed iterations per configuration (after 5 warm-up runs).")
    var iterations: Int = 100

    @Option(help: "Idle microseconds between timed runs: how a server at concurrency 1 runs the model (helper threads parked, caches cooled between requests).")
    var pauseUs: Int = 0

    @Flag(help: "One JSON object per line and configuration.")
    var json = false

    @Option(help: "Also list the N slowest steps (layers) of each configuration with their share of the time.")
    var profile: Int = 0

    func run() throws {
        try reportingErrors {
            let batches = try positiveList(batch, option: "--batch")
            let threadCounts = try positiveList(threads, option: "--threads")
            guard iterations > 0 else { throw ValidationError("--iterations must be positive") }
            guard pauseUs >= 0 else { throw ValidationError("--pause-us must not be negative") }
            if !samples.isEmpty { return try runService(threads: threadCounts) }
            let graph = try GraphModel(file: try KilnFile.open(path: model))
            if !json { print("model \(graph.metadata.name), OpenBLAS core \(GEMMKernel.coreName)") }
            for t in threadCounts {
                for b in batches {
                    let plan = try ExecutionPlan(model: graph, batch: b, threads: t)
                    let r = try PlanBenchmark.run(plan, iterations: iterations, pauseMicroseconds: pauseUs)
                    if json {
                        print(#"{"batch": \#(b), "threads": \#(t), "p50_ms": \#(r.p50Milliseconds), "p99_ms": \#(r.p99Milliseconds), "samples_per_s": \#(r.samplesPerSecond)}"#)
                    } else {
                        print(String(format: "batch %3d  threads %d  p50 %8.3f ms  p99 %8.3f ms  %10.1f samples/s", b, t, r.p50Milliseconds, r.p99Milliseconds, r.samplesPerSecond))
                    }
                    if profile > 0 && !json {
                        for s in try PlanBenchmark.profile(plan, iterations: iterations, top: profile) {
                            print(String(format: "  step %3d  %7.3f ms  %5.1f %%  ", s.step, s.milliseconds, s.share * 100) + s.summary)
                        }
                    }
                }
            }
        }
    }
}
