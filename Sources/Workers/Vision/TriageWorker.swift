import TensorEngine

/// Radiology worklist triage: a grayscale or RGB radiograph in, a reading priority out
/// (urgent / routine / normal) with its probabilities. When the model is not confident
/// (top probability below the configured review threshold) the study is flagged for
/// review. Decision support for ordering a worklist, never a diagnosis: the answer says so.
public struct TriageWorker: Worker {
    public static let disclaimer =
        "Decision support for worklist prioritisation only; not a diagnosis. A qualified clinician must read every study."

    let model: WorkerModel
    let image: ImageSpec
    let labels: [String]
    let reviewThreshold: Double
    let outputIndex: Int

    public init(model: WorkerModel) throws(WorkerError) {
        self.model = model
        let p = Parameters(model.parameters)
        image = try ImageSpec(model: model)
        labels = try p.strings("labels")
        guard Set(labels) == ["urgent", "routine", "normal"] else {
            throw .config("parameters.labels must be urgent, routine and normal (in the model's output order)")
        }
        reviewThreshold = try p.double("review_threshold")
        outputIndex = try model.output(try p.string("output", default: model.outputs.first?.name ?? "probabilities"))
        guard model.outputs[outputIndex].shape.last == labels.count else {
            throw .config("output has shape \(model.outputs[outputIndex].shape) for \(labels.count) labels")
        }
    }

    public func prepare(_ request: WorkerRequest) throws(WorkerError) -> PreparedRequest {
        let x = try image.tensor(from: request)
        var inputs = [Tensor](repeating: x, count: model.inputs.count)
        inputs[image.inputIndex] = x
        return PreparedRequest(inputs: inputs, rows: 1)
    }

    public func finish(_ prepared: PreparedRequest, outputs: [Tensor]) throws(WorkerError) -> [UInt8] {
        let p = outputs[outputIndex].floats
        let top = p.indices.max { p[$0] < p[$1] }!
        let answer: JSONValue = .object([
            "priority": .string(labels[top]), "probabilities": labelled(labels, p),
            "confidence": .number(FraudWorker.round(Double(p[top]))),
            "needs_review": .bool(Double(p[top]) < reviewThreshold), "review_threshold": .number(reviewThreshold),
            "notice": .string(TriageWorker.disclaimer), "model": .string(model.name), "version": .string(String(model.version)),
        ])
        return Array(answer.jsonText.utf8)
    }
}
