import Dispatch
import HTTPCore
import HTTPServer
import TensorEngine

/// `POST /v2/models/{m}[/versions/{v}]/infer`: decodes a V2 request (JSON, or JSON plus
/// Triton's binary tensors), checks it against the model, queues it on the model's
/// batcher and answers when its execution finishes. Bodies beyond a few kilobytes are
/// decoded on the compute pool, never on the event loop.
enum InferRoute {
    /// Bodies up to this size are decoded on the event loop (tens of microseconds).
    static let inlineDecodeBytes = 16 << 10

    static func register(in router: inout Router, manager: ModelManager, pool: ComputePool) {
        for path in ["/v2/models/{model}/infer", "/v2/models/{model}/versions/{version}/infer"] {
            router.add(.post, path, .deferred { request, writer in
                let started = Clock.nanos()
                if request.body.count <= inlineDecodeBytes {
                    handle(request, writer, manager: manager, started: started)
                } else {
                    pool.submit { handle(request, writer, manager: manager, started: started) }
                }
            })
        }
    }

    /// Everything up to queueing; errors answer at once and are counted for the model.
    static func handle(_ request: ServerRequest, _ writer: ResponseWriter, manager: ModelManager, started: UInt64) {
        let served: ServedVersion
        do throws(InferError) {
            served = try manager.lookup(request.parameters["model"] ?? "", version: request.parameters["version"])
        } catch {
            return writer.respond(error.response)
        }
        do throws(InferError) {
            let decoded = try InferRequestMapper.decode(request, for: served)
            let job = InferenceJob(
                inputs: decoded.inputs, rows: decoded.rows, priority: decoded.priority,
                timeoutMicroseconds: decoded.timeoutMicroseconds, cancellation: request.cancellation
            ) { result in
                switch result {
                case .success(let out):
                    let response = InferRequestMapper.response(decoded, outputs: out.outputs, served: served)
                    served.stats.requestSucceeded(
                        queueNanos: out.queueNanos, computeNanos: out.computeNanos, totalNanos: Clock.nanos() - started)
                    writer.respond(response)
                case .failure(let error):
                    writer.respond(error.response)
                }
            }
            try served.scheduler.submit(job)
        } catch {
            if error.kind == .badInput || error.kind == .unsupported {
                served.stats.requestFailed(error.kind, nanos: Clock.nanos() - started)
            }
            writer.respond(error.response)
        }
    }
}
