import TensorEngine
import Workers

/// The workers' JSON: every input goes through `JSONValue.parse` (whose output must survive
/// a write/parse round trip unchanged), then through the fraud-scoring and recommendation
/// services' `prepare` with their shipped configuration, and a prepared request through
/// `finish` with stand-in model outputs, whose answer must be valid JSON.
enum WorkerJSONHarness {
    /// The two record services, built once.
    struct Services: Sendable {
        let fraud: FraudWorker
        let fraudModel: ShippedModel
        let recommendation: RecommendationWorker
        let recommendationModel: ShippedModel
    }

    static let workers: Services = {
        let fraud = ShippedModel("fraud_scoring")
        let recommendation = ShippedModel("recommendation")
        return Services(
            fraud: fraud.worker { (m) throws(WorkerError) in try FraudWorker(model: m) }, fraudModel: fraud,
            recommendation: recommendation.worker { (m) throws(WorkerError) in try RecommendationWorker(model: m) },
            recommendationModel: recommendation)
    }()

    static func run(_ data: [UInt8]) {
        if let value = JSONValue.parse(data) {
            let text = value.jsonBytes
            precondition(JSONValue.parse(text) == value, "JSON changed on a write/parse round trip: \(value.jsonText)")
        }
        let request = WorkerRequest(body: data, contentType: "application/json")
        let services = workers
        serve(services.fraud, services.fraudModel, request)
        serve(services.recommendation, services.recommendationModel, request)
    }

    /// One service's prepare and finish; a request it refuses is fine, one it accepts must
    /// be answerable.
    static func serve(_ worker: some Worker, _ shipped: ShippedModel, _ request: WorkerRequest) {
        guard let prepared = try? worker.prepare(request) else { return }
        precondition(prepared.rows >= 1 && prepared.rows <= shipped.model.maxRows, "\(prepared.rows) rows prepared")
        precondition(prepared.inputs.count == shipped.model.inputs.count, "wrong number of input tensors")
        for (tensor, info) in zip(prepared.inputs, shipped.model.inputs) {
            precondition(tensor.dtype == info.dtype, "input '\(info.name)' has the wrong dtype")
            precondition(tensor.shape.dims.first == prepared.rows, "input '\(info.name)' does not have \(prepared.rows) rows")
        }
        guard let answer = try? worker.finish(prepared, outputs: shipped.outputs(rows: prepared.rows)) else { return }
        precondition(JSONValue.parse(answer) != nil, "\(shipped.model.name) answered with invalid JSON")
    }
}
