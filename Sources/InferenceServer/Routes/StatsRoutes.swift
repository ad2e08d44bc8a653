import Workers
import HTTPCore
import HTTPServer

/// Triton's statistics extension: `GET /v2/models/stats` (every model),
/// `/v2/models/{m}/stats` and `/v2/models/{m}/versions/{v}/stats`, in Triton's JSON shape
/// (counts and cumulative nanoseconds per phase, and per batch size).
enum StatsRoutes {
    static func register(in router: inout Router, manager: ModelManager) {
        router.add(.get, "/v2/models/stats", .inline { _ in render(manager.servedVersions) })
        router.add(.get, "/v2/models/{model}/stats", .inline { request in
            let name = request.parameters["model"] ?? ""
            let versions = manager.servedVersions.filter { $0.name == name }
            if versions.isEmpty { _ = try ModelRoutes.lookup(manager, request) }
            return render(versions)
        })
        router.add(.get, "/v2/models/{model}/versions/{version}/stats", .inline { request in
            render([try ModelRoutes.lookup(manager, request)])
        })
    }

    static func render(_ versions: [ServedVersion]) -> HTTPResponse {
        .json(JSONValue.object(["model_stats": .array(versions.map(stats))]).jsonText)
    }

    static func tally(_ t: ModelStats.Tally) -> JSONValue {
        .object(["count": .number(Double(t.count)), "ns": .number(Double(t.nanos))])
    }

    static func stats(_ v: ServedVersion) -> JSONValue {
        let t = v.stats.snapshot
        return .object([
            "name": .string(v.name), "version": .string(String(v.version)),
            "last_inference": .number(Double(t.lastInferenceMillis)),
            "inference_count": .number(Double(t.inferenceCount)), "execution_count": .number(Double(t.executionCount)),
            "inference_stats": .object([
                "success": tally(t.success), "fail": tally(t.fail), "queue": tally(t.queue),
                "compute_input": tally(t.computeInput), "compute_infer": tally(t.computeInfer), "compute_output": tally(t.computeOutput),
            ]),
            "worker_stats": .object(["prepare": tally(t.prepare), "finish": tally(t.finish)]),
            "batch_stats": .array(t.batches.keys.sorted().map { size in
                let b = t.batches[size]!
                return .object([
                    "batch_size": .number(Double(size)), "compute_input": tally(b.input), "compute_infer": tally(b.infer),
                    "compute_output": tally(b.output),
                ])
            }),
            "failures_by_reason": .object(t.failuresByReason.mapValues { .number(Double($0)) }),
        ])
    }
}
