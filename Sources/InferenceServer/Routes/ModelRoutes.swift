import Workers
import HTTPCore
import HTTPServer
import TensorEngine

/// The KServe V2 metadata endpoints: server metadata (`GET /v2`), model metadata, model
/// readiness and Triton's model configuration (`GET /v2/models/{m}[/versions/{v}]/config`).
/// Cheap lookups, answered inline on the event loop.
enum ModelRoutes {
    static let serverName = "kiln"
    static let serverVersion = "0.4.0"
    /// Protocol extensions really implemented (Triton's names).
    static let extensions = ["binary_tensor_data", "model_repository", "statistics"]

    static func register(in router: inout Router, manager: ModelManager) {
        let server = JSONValue.object([
            "name": .string(serverName), "version": .string(serverVersion), "extensions": .array(extensions.map(JSONValue.string)),
        ]).jsonText
        router.add(.get, "/v2", .inline { _ in .json(server) })
        for prefix in ["/v2/models/{model}", "/v2/models/{model}/versions/{version}"] {
            router.add(.get, prefix, .inline { request in
                let served = try lookup(manager, request)
                return .json(metadata(served, versions: versions(manager, served.name)).jsonText)
            })
            router.add(.get, prefix + "/ready", .inline { request in
                let model = request.parameters["model"] ?? ""
                do throws(InferError) {
                    _ = try manager.lookup(model, version: request.parameters["version"])
                    return .json(JSONValue.object(["name": .string(model), "ready": .bool(true)]).jsonText)
                } catch {
                    guard error.kind == .unavailable else { throw error.httpError }
                    return .json(JSONValue.object(["name": .string(model), "ready": .bool(false)]).jsonText, status: .serviceUnavailable)
                }
            })
            router.add(.get, prefix + "/config", .inline { request in .json(configuration(try lookup(manager, request)).jsonText) })
        }
    }

    static func lookup(_ manager: ModelManager, _ request: ServerRequest) throws(HTTPError) -> ServedVersion {
        do {
            return try manager.lookup(request.parameters["model"] ?? "", version: request.parameters["version"])
        } catch {
            throw error.httpError
        }
    }

    static func versions(_ manager: ModelManager, _ name: String) -> [String] {
        manager.servedVersions.filter { $0.name == name }.map { String($0.version) }
    }

    /// V2 model metadata: tensors with -1 for the batch dimension.
    static func metadata(_ v: ServedVersion, versions: [String]) -> JSONValue {
        func tensors(_ infos: [ValueInfo]) -> JSONValue {
            .array(infos.map { info in
                .object([
                    "name": .string(info.name), "datatype": .string(info.dtype.name),
                    "shape": .array(info.shape.map { .number(Double($0)) }),
                ])
            })
        }
        return .object([
            "name": .string(v.name), "versions": .array(versions.map(JSONValue.string)), "platform": .string("kiln"),
            "inputs": tensors(v.inputs), "outputs": tensors(v.outputs),
        ])
    }

    /// Triton's model configuration shape, so tools that read it keep working; Kiln's own
    /// settings sit under "kiln".
    static func configuration(_ v: ServedVersion) -> JSONValue {
        let c = v.config
        func tensors(_ infos: [ValueInfo]) -> JSONValue {
            .array(infos.map { info in
                let dims = v.batchable ? Array(info.shape.dropFirst()) : info.shape
                return .object([
                    "name": .string(info.name), "data_type": .string("TYPE_" + info.dtype.name),
                    "dims": .array(dims.map { .number(Double($0)) }),
                ])
            })
        }
        var object: [String: JSONValue] = [
            "name": .string(v.name), "platform": .string("kiln"), "backend": .string("kiln"), "kind": .string(c.kind),
            "max_batch_size": .number(Double(v.batchable ? c.maxBatchSize : 0)),
            "input": tensors(v.inputs), "output": tensors(v.outputs),
            "instance_group": .array([.object(["count": .number(Double(c.instanceCount)), "kind": .string("KIND_CPU")])]),
            "version_policy": versionPolicy(c.versionPolicy), "parameters": .object(c.parameters),
            "kiln": .object([
                "threads": .number(Double(v.scheduler.threads)), "max_queue_size": .number(Double(c.maxQueueSize)),
                "default_timeout_us": .number(Double(c.defaultTimeoutMicroseconds)),
                "labels": .array(v.metadata.labels.map(JSONValue.string)), "task": .string(v.metadata.task),
            ]),
        ]
        if c.dynamicBatching.enabled && v.batchable {
            object["dynamic_batching"] = .object([
                "preferred_batch_size": .array(c.dynamicBatching.preferredBatchSizes.map { .number(Double($0)) }),
                "max_queue_delay_microseconds": .number(Double(c.dynamicBatching.maxQueueDelayMicroseconds)),
                "dispatch_when_idle": .bool(c.dynamicBatching.dispatchWhenIdle),
            ])
        }
        return .object(object)
    }

    static func versionPolicy(_ p: VersionPolicy) -> JSONValue {
        switch p {
        case .latest(let n): .object(["latest": .object(["num_versions": .number(Double(n))])])
        case .all: .object(["all": .object([:])])
        case .specific(let vs): .object(["specific": .object(["versions": .array(vs.map { .number(Double($0)) })])])
        }
    }
}
