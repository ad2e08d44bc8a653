import TensorEngine

/// Retail recommendations: a user id and/or recent item ids in, the k best items of the
/// whole catalogue out. The model scores every item in one GEMM (user tower × item
/// embeddings); this worker masks what the request excludes (items already seen, other
/// categories) and keeps the top k with a partial sort. Users the model does not know
/// are served from their recent items; with neither, from popularity.
public struct RecommendationWorker: Worker {
    let model: WorkerModel
    let catalogue: Catalogue
    let users: Int
    let historyLength: Int
    let userInput: Int
    let historyInput: Int
    let outputIndex: Int
    let defaultK: Int
    let maxK: Int

    public init(model: WorkerModel) throws(WorkerError) {
        self.model = model
        let p = Parameters(model.parameters)
        catalogue = try Catalogue(file: model.folder + "/" + (try p.string("items_file", default: "items.json")))
        users = try p.int("users")
        historyLength = try p.int("history_length")
        let names = try p.nested("inputs")
        userInput = try model.input(try names.string("user"), .int64)
        historyInput = try model.input(try names.string("history"), .int64)
        outputIndex = try model.output(try p.string("output"))
        defaultK = try p.int("default_k", default: 10)
        maxK = try p.int("max_k", default: 100)
        // Both bound how many items an answer lists; below 1 no request could be answered.
        guard maxK >= 1, defaultK >= 1 else {
            throw .config("parameters need default_k ≥ 1 and max_k ≥ 1, got default_k \(defaultK), max_k \(maxK)")
        }
        guard model.outputs[outputIndex].shape.last == catalogue.count else {
            throw .config("output scores \(model.outputs[outputIndex].shape) do not cover the \(catalogue.count) catalogue items")
        }
        guard model.inputs[historyInput].shape.dropFirst() == [historyLength] else {
            throw .config("input history has shape \(model.inputs[historyInput].shape), history_length is \(historyLength)")
        }
    }

    /// The request as understood, for `finish`.
    struct Context: Sendable {
        var k: Int
        var seen: Set<Int>
        var excludeSeen: Bool
        var categories: Set<String>?
        var strategy: RecommendationAnswer.Strategy
        var unknownItems: [String]
    }

    public func prepare(_ request: WorkerRequest) throws(WorkerError) -> PreparedRequest {
        // recent_items and category list at most what the catalogue holds (repeats and
        // unknown ids included, four times over); more is refused while parsing.
        let budget = 4 * (catalogue.count + historyLength) + 64
        let parsed: JSONValue?
        do {
            parsed = try JSONValue.parse(request.body, maxValues: budget)
        } catch {
            throw .request(status: 413, "body holds more than \(budget) JSON values (the catalogue has \(catalogue.count) items)")
        }
        guard let body = parsed?.objectValue else { throw .bad("body must be a JSON object") }
        let allowed: Set<String> = ["user_id", "recent_items", "k", "exclude_seen", "category"]
        if let unknown = body.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw .bad("unknown field '\(unknown)'; known fields: \(allowed.sorted().joined(separator: ", "))")
        }
        var userIndex: Int64 = 0
        if let u = body["user_id"], u != .null {
            guard let d = u.doubleValue, d == d.rounded(), abs(d) < 1e15 else { throw .bad("field 'user_id' must be an integer") }
            if d >= 1 && d <= Double(users) { userIndex = Int64(d) }
        }
        var recent: [Int] = [], unknownItems: [String] = []
        if let r = body["recent_items"], r != .null {
            guard let list = r.arrayValue else { throw .bad("field 'recent_items' must be an array of item ids") }
            for item in list {
                guard let id = item.stringValue else { throw .bad("field 'recent_items' must hold item id strings, got \(item.jsonText)") }
                if let i = catalogue.index(of: id) { recent.append(i) } else { unknownItems.append(id) }
            }
        }
        var k = defaultK
        if let kv = body["k"] {
            guard let d = kv.doubleValue, d == d.rounded(), d >= 1, d <= Double(maxK) else {
                throw .bad("field 'k' must be an integer in 1...\(maxK)")
            }
            k = Int(d)
        }
        var excludeSeen = true
        if let e = body["exclude_seen"] {
            guard let b = e.boolValue else { throw .bad("field 'exclude_seen' must be true or false") }
            excludeSeen = b
        }
        var categories: Set<String>?
        if let c = body["category"], c != .null {
            if let s = c.stringValue {
                categories = [s]
            } else if let list = c.arrayValue, list.allSatisfy({ $0.stringValue != nil }) {
                categories = Set(list.compactMap(\.stringValue))
            } else {
                throw .bad("field 'category' must be a string or an array of strings")
            }
        }
        let user = Tensor(shape: [1, 1], int64s: [userIndex])
        // Most recent last, left-padded with 0; only the last `historyLength` count.
        let tail = recent.suffix(historyLength).map { Int64($0 + 1) }
        let history = Tensor(shape: Shape([1, historyLength]), int64s: Array(repeating: 0, count: historyLength - tail.count) + tail)
        var inputs = [Tensor](repeating: user, count: model.inputs.count)
        inputs[userInput] = user
        inputs[historyInput] = history
        let strategy: RecommendationAnswer.Strategy = userIndex != 0 ? .personalized : recent.isEmpty ? .popularity : .history
        return PreparedRequest(
            inputs: inputs, rows: 1,
            context: Context(k: k, seen: Set(recent), excludeSeen: excludeSeen, categories: categories, strategy: strategy, unknownItems: unknownItems))
    }

    public func finish(_ prepared: PreparedRequest, outputs: [Tensor]) throws(WorkerError) -> [UInt8] {
        guard let c = prepared.context as? Context else { throw .config("recommendation worker lost its request context") }
        let allowed: (Int) -> Bool = { i in
            !(c.excludeSeen && c.seen.contains(i)) && (c.categories.map { $0.contains(catalogue.categories[i]) } ?? true)
        }
        let scores = outputs[outputIndex]
        var picked: [(Int, Float)]
        if c.strategy == .popularity {
            picked = Array(catalogue.popular.lazy.filter(allowed).prefix(c.k).map { ($0, catalogue.popularity[$0]) })
        } else {
            let buffer = UnsafeBufferPointer(start: scores.floatPointer, count: catalogue.count)
            picked = PartialTopK.select(buffer, k: c.k, allowed: allowed).map { ($0, buffer[$0]) }
        }
        let answer = RecommendationAnswer(
            items: picked.map { RecommendationAnswer.Item(itemID: catalogue.ids[$0], score: FraudWorker.round(Double($1)), category: catalogue.categories[$0]) },
            strategy: c.strategy, unknownItems: c.unknownItems, model: model.name, version: String(model.version))
        var out: [UInt8] = []
        out.reserveCapacity(96 + 80 * answer.items.count)
        answer.write(to: &out)
        return out
    }
}
