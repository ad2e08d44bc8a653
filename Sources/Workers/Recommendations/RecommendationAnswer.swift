/// The answer of `POST /v1/recommendations` (docs/api.md): the k best items, best first.
struct RecommendationAnswer: Sendable, Equatable {
    /// How the user was served: known user, recent items only, or popularity.
    enum Strategy: String, Sendable { case personalized, history, popularity }

    /// One recommended item.
    struct Item: Sendable, Equatable {
        var itemID: String
        var score: Double
        var category: String
    }

    var items: [Item]
    var strategy: Strategy
    var unknownItems: [String]
    var model: String
    var version: String

    var json: JSONValue {
        var o: [String: JSONValue] = [
            "model": .string(model), "version": .string(version), "strategy": .string(strategy.rawValue),
            "items": .array(items.map { .object(["item_id": .string($0.itemID), "score": .number($0.score), "category": .string($0.category)]) }),
        ]
        if !unknownItems.isEmpty { o["unknown_items"] = .array(unknownItems.map(JSONValue.string)) }
        return .object(o)
    }
}
