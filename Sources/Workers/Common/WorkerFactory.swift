/// Builds the worker a model's `kind` names. `generic` models have none: they are served
/// through the V2 API only.
public enum WorkerFactory {
    /// The HTTP path of each industry service.
    public static let endpoints: [String: String] = [
        "defect_detection": "/v1/defect-detection",
        "fraud_scoring": "/v1/fraud-scoring",
        "recommendation": "/v1/recommendations",
        "medical_triage": "/v1/medical-triage",
    ]

    /// Kinds whose requests are small JSON records: preparing one takes microseconds, less
    /// than handing it to a compute thread, so small bodies are prepared on the event loop.
    public static let recordKinds: Set<String> = ["fraud_scoring", "recommendation"]

    public static func make(kind: String, model: WorkerModel) throws(WorkerError) -> (any Worker)? {
        switch kind {
        case "generic": return nil
        case "fraud_scoring": return try FraudWorker(model: model)
        case "recommendation": return try RecommendationWorker(model: model)
        case "defect_detection": return try DefectWorker(model: model)
        case "medical_triage": return try TriageWorker(model: model)
        default: throw .config("no worker for kind '\(kind)'")
        }
    }
}
