import TensorEngine

/// Visual inspection: an image of a part's surface in, whether it is defective and which
/// defect out. The part is defective when the probability of the OK class is below
/// 1 − threshold; the threshold comes from config.json (plants tune it to their cost of a
/// missed defect versus a false reject).
public struct DefectWorker: Worker {
    let classifier: ImageClassifier
    let okIndex: Int
    let threshold: Double

    public init(model: WorkerModel) throws(WorkerError) {
        classifier = try ImageClassifier(model: model)
        let p = Parameters(model.parameters)
        let ok = try p.string("ok_label")
        guard let okIndex = classifier.labels.firstIndex(of: ok) else { throw .config("parameters.ok_label '\(ok)' is not among the labels") }
        self.okIndex = okIndex
        threshold = try p.double("threshold")
        guard threshold > 0, threshold < 1 else { throw .config("parameters.threshold must be in (0, 1)") }
    }

    public func prepare(_ request: WorkerRequest) throws(WorkerError) -> PreparedRequest { try classifier.prepare(request) }

    public func finish(_ prepared: PreparedRequest, outputs: [Tensor]) throws(WorkerError) -> [UInt8] {
        let p = classifier.probabilities(outputs), labels = classifier.labels
        let defectScore = 1 - Double(p[okIndex])
        let defective = defectScore >= threshold
        // The label: the most likely defect class when defective, else the OK class.
        let top = p.indices.filter { $0 != okIndex }.max { p[$0] < p[$1] } ?? okIndex
        let answer = DefectAnswer(
            defective: defective, label: labels[defective ? top : okIndex], score: FraudWorker.round(defectScore),
            scores: rounded(labels, p), threshold: threshold, model: classifier.model.name,
            version: String(classifier.model.version))
        return answer.json.jsonBytes
    }
}
