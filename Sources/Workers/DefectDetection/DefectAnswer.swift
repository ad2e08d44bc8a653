/// The answer of `POST /v1/defect-detection` (docs/api.md).
struct DefectAnswer: Sendable, Equatable {
    var defective: Bool
    var label: String
    /// 1 − p(OK class).
    var score: Double
    var scores: [String: Double]
    var threshold: Double
    var model: String
    var version: String

    var json: JSONValue {
        .object([
            "defective": .bool(defective), "label": .string(label), "score": .number(score),
            "scores": .object(scores.mapValues(JSONValue.number)), "threshold": .number(threshold),
            "model": .string(model), "version": .string(version),
        ])
    }
}
