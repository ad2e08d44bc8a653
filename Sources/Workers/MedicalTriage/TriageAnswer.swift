/// The answer of `POST /v1/medical-triage` (docs/api.md).
struct TriageAnswer: Sendable, Equatable {
    enum Priority: String, Sendable { case urgent, routine, normal }

    var priority: Priority
    var probabilities: [String: Double]
    var confidence: Double
    var needsReview: Bool
    var reviewThreshold: Double
    var notice: String
    var model: String
    var version: String

    var json: JSONValue {
        .object([
            "priority": .string(priority.rawValue), "probabilities": .object(probabilities.mapValues(JSONValue.number)),
            "confidence": .number(confidence), "needs_review": .bool(needsReview), "review_threshold": .number(reviewThreshold),
            "notice": .string(notice), "model": .string(model), "version": .string(version),
        ])
    }
}
