import TensorEngine

/// What the two image services share: the image input, the class labels in the model's
/// output order and the output that scores them, checked against each other at load.
struct ImageClassifier: Sendable {
    let model: WorkerModel
    let image: ImageSpec
    let labels: [String]
    let outputIndex: Int

    init(model: WorkerModel) throws(WorkerError) {
        self.model = model
        let p = Parameters(model.parameters)
        image = try ImageSpec(model: model)
        labels = try p.strings("labels")
        outputIndex = try model.output(try p.string("output", default: model.outputs.first?.name ?? "probabilities"))
        guard model.outputs[outputIndex].shape.last == labels.count else {
            throw .config("output has shape \(model.outputs[outputIndex].shape) for \(labels.count) labels")
        }
    }

    /// The request's image as the model's only image input (other inputs get the same tensor
    /// only as placeholders; image models here have one input).
    func prepare(_ request: WorkerRequest) throws(WorkerError) -> PreparedRequest {
        let x = try image.tensor(from: request)
        var inputs = [Tensor](repeating: x, count: model.inputs.count)
        inputs[image.inputIndex] = x
        return PreparedRequest(inputs: inputs, rows: 1)
    }

    /// The class probabilities of the request's one row.
    func probabilities(_ outputs: [Tensor]) -> [Float] { outputs[outputIndex].floats }
}
