import HTTPCore

/// The answer of `POST /v1/recommendations` (docs/api.md): the k best items, best first.
/// Written straight into bytes by `write(to:)`, the sorted-key text `json` gives (its
/// tests hold the two equal), without a dictionary per item.
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

    /// The answer as a JSON object (the reference layout).
    var json: JSONValue {
        var o: [String: JSONValue] = [
            "model": .string(model), "version": .string(version), "strategy": .string(strategy.rawValue),
            "items": .array(items.map { .object(["item_id": .string($0.itemID), "score": .number($0.score), "category": .string($0.category)]) }),
        ]
        if !unknownItems.isEmpty { o["unknown_items"] = .array(unknownItems.map(JSONValue.string)) }
        return .object(o)
    }

    /// `{items: [{category, item_id, score}], model, strategy, unknown_items?, version}`.
    func write(to out: inout [UInt8]) {
        out.append(contentsOf: #"{"items":["#.utf8)
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"category":"#.utf8)
            JSONString.append(item.category, to: &out)
            out.append(contentsOf: #","item_id":"#.utf8)
            JSONString.append(item.itemID, to: &out)
            out.append(contentsOf: #","score":"#.utf8)
            JSONValue.number(item.score).write(to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: #"],"model":"#.utf8)
        JSONString.append(model, to: &out)
        out.append(contentsOf: #","strategy":"#.utf8)
        JSONString.append(strategy.rawValue, to: &out)
        if !unknownItems.isEmpty {
            out.append(contentsOf: #","unknown_items":["#.utf8)
            for (i, id) in unknownItems.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONString.append(id, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: #","version":"#.utf8)
        JSONString.append(version, to: &out)
        out.append(UInt8(ascii: "}"))
    }
}
