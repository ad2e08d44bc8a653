/// The answer of `POST /v1/fraud-scoring` for one record (docs/api.md); a batch answers
/// `{"results": [...]}` with one of these per record.
struct FraudAnswer: Sendable, Equatable {
    enum Decision: String, Sendable { case approve, review, decline }

    /// A feature that raised the score: its value in the request and by how much.
    struct Reason: Sendable, Equatable {
        var feature: String
        var value: JSONValue
        var contribution: Double
    }

    var id: JSONValue?
    var score: Double
    var decision: Decision
    var reasons: [Reason]

    var fields: [String: JSONValue] {
        var o: [String: JSONValue] = [
            "score": .number(score), "decision": .string(decision.rawValue),
            "reasons": .array(reasons.map {
                .object(["feature": .string($0.feature), "value": $0.value, "contribution": .number($0.contribution)])
            }),
        ]
        if let id { o["id"] = id }
        return o
    }
}
