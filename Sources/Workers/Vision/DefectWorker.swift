import TensorEngine

/// Visual inspection: an image of a part's surface in, whether it is defective and which
/// defect out. The part is defective when the probability of the OK class is below
/// 1 − threshold; the threshold comes from config.json (plants tune it to their cost of a
/// missed defect versus a false reject).
public struct DefectWorker: Worker {
    let model: WorkerModel
    let image: ImageSpec
    let labels: [String]
    let okIndex: Int
    let threshold: Double
    let outputIndex: Int

    public init(model: WorkerModel) throws(WorkerError) {
        self.model = model
        let p = Parameters(model.parameters)
        image = try ImageSpec(model: model)
        labels = try p.strings("labels")
        let ok = try p.string("ok_label")
        guard let okIndex = labels.firstIndex(of: ok) else { throw .config("parameters.ok_label '\(ok)' is not among the labels") }
        self.okIndex = okIndex
        threshold = try p.double("threshold")
        guard threshold > 0, threshold < 1 else { throw .config("parameters.threshold must be in (0, 1)") }
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
        let defectScore = 1 - Double(p[okIndex])
        let defective = defectScore >= threshold
        // The label: the most likely defect class when defective, else the OK class.
        let defects = p.indices.filter { $0 != okIndex }
        let top = defects.max { p[$0] < p[$1] } ?? okIndex
        let answer: JSONValue = .object([
            "defective": .bool(defective), "label": .string(labels[defective ? top : okIndex]),
            "score": .number(FraudWorker.round(defectScore)), "scores": labelled(labels, p),
            "threshold": .number(threshold), "model": .string(model.name), "version": .string(String(model.version)),
        ])
        return Array(answer.jsonText.utf8)
    }
}
