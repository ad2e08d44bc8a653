import HTTPCore
import HTTPServer
import TensorEngine
import Workers

/// The industry endpoints (`/v1/defect-detection`, `/v1/fraud-scoring`,
/// `/v1/recommendations`, `/v1/medical-triage`): the model of that kind (the first by name,
/// or `?model=NAME`) prepares the request (on the compute pool, or on the event loop for a
/// small JSON record), the model's batcher runs it alongside V2 traffic for the same model,
/// and the worker writes the answer.
enum ServiceRoutes {
    static func register(in router: inout Router, manager: ModelManager, pool: ComputePool) {
        for (kind, path) in WorkerFactory.endpoints {
            router.add(.post, path, .deferred { request, writer in
                let started = Clock.nanos()
                if WorkerFactory.recordKinds.contains(kind) && request.body.count <= InferRoute.inlineDecodeBytes {
                    handle(kind: kind, request, writer, manager: manager, started: started)
                } else {
                    pool.submit { handle(kind: kind, request, writer, manager: manager, started: started) }
                }
            })
        }
    }

    /// The served version behind an endpoint.
    static func model(kind: String, request: ServerRequest, manager: ModelManager) throws(InferError) -> ServedVersion {
        if let name = request.queryValue("model") {
            let served = try manager.lookup(name, version: request.queryValue("version"))
            guard served.config.kind == kind else { throw InferError(.badInput, "model '\(name)' is a \(served.config.kind) model, not \(kind)") }
            return served
        }
        let candidates = manager.servedVersions.filter { $0.config.kind == kind }
        guard let first = candidates.first else { throw InferError(.unavailable, "no \(kind) model is loaded") }
        // The highest version of the first model by name.
        return candidates.filter { $0.name == first.name }.max { $0.version < $1.version }!
    }

    static func handle(kind: String, _ request: ServerRequest, _ writer: ResponseWriter, manager: ModelManager, started: UInt64) {
        let served: ServedVersion
        do throws(InferError) {
            served = try model(kind: kind, request: request, manager: manager)
        } catch {
            return writer.respond(error.response)
        }
        guard let worker = served.worker else { return writer.respond(.error(.internalServerError, "model '\(served.name)' has no worker")) }
        let prepared: PreparedRequest
        // Decoding and pre-processing only: the hop to a compute thread is not the worker's.
        let prepareStart = Clock.nanos()
        do throws(WorkerError) {
            prepared = try worker.prepare(
                WorkerRequest(
                    body: request.body, contentType: request.headers["Content-Type"],
                    query: Dictionary(request.query.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })))
        } catch {
            served.stats.requestFailed(.badInput, nanos: Clock.nanos() - started)
            return writer.respond(.error(HTTPStatus(code: error.status), error.description))
        }
        let prepareNanos = Clock.nanos() - prepareStart
        guard prepared.rows <= served.scheduler.maxRows else {
            served.stats.requestFailed(.badInput, nanos: Clock.nanos() - started)
            return writer.respond(.error(.contentTooLarge, "request needs \(prepared.rows) rows; the model takes at most \(served.scheduler.maxRows)"))
        }
        let job = InferenceJob(inputs: prepared.inputs, rows: prepared.rows, cancellation: request.cancellation) { result in
            switch result {
            case .success(let out):
                let finishStart = Clock.nanos()
                do throws(WorkerError) {
                    let body = try worker.finish(prepared, outputs: out.outputs)
                    let now = Clock.nanos()
                    served.stats.workerProcessed(prepareNanos: prepareNanos, finishNanos: now - finishStart)
                    served.stats.requestSucceeded(queueNanos: out.queueNanos, computeNanos: out.computeNanos, totalNanos: now - started)
                    writer.respond(.json(body))
                } catch {
                    served.stats.requestFailed(.internalError, nanos: Clock.nanos() - started)
                    writer.respond(.error(.internalServerError, "\(served.name): \(error)"))
                }
            case .failure(let error):
                writer.respond(error.response)
            }
        }
        do throws(InferError) {
            try served.scheduler.submit(job)
        } catch {
            writer.respond(error.response)
        }
    }
}
