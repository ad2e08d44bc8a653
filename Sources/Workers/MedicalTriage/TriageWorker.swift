import TensorEngine

/// Radiology worklist triage: a grayscale or RGB radiograph in, a reading priority out
/// (urgent / routine / normal) with its probabilities. When the model is not confident
/// (top probability below the configured review threshold) the study is flagged for
/// review. Decision support for ordering a worklist, never a diagnosis: the answer says so.
public struct TriageWorker: Worker {
    public static let disclaimer =
        "Decision support for worklist prioritisation only; not a diagnosis. A qualified clinician must read every study."

    let classifier: ImageClassifier
    let reviewThreshold: Double

    public init(model: WorkerModel) throws(WorkerError) {
        classifier = try ImageClassifier(model: model)
        guard Set(classifier.labels) == ["urgent", "routine", "normal"] else {
            throw .config("parameters.labels must be urgent, routine and normal (in the model's output order)")
        }
        reviewThreshold = try Parameters(model.parameters).double("review_threshold")
    }

    public func prepare(_ request: WorkerRequest) throws(WorkerError) -> PreparedRequest { try classifier.prepare(request) }

    public func finish(_ prepared: PreparedRequest, outputs: [Tensor]) throws(WorkerError) -> [UInt8] {
        let p = classifier.probabilities(outputs)
        let top = p.indices.max { p[$0] < p[$1] }!
        let answer = TriageAnswer(
            priority: TriageAnswer.Priority(rawValue: classifier.labels[top])!, probabilities: rounded(classifier.labels, p),
            confidence: FraudWorker.round(Double(p[top])), needsReview: Double(p[top]) < reviewThreshold,
            reviewThreshold: reviewThreshold, notice: TriageWorker.disclaimer, model: classifier.model.name,
            version: String(classifier.model.version))
        return answer.json.jsonBytes
    }
}
