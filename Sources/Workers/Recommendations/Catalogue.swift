import Foundation

/// The items a recommender ranks, in the model's output order: ids, categories and
/// popularity (the fallback ranking for users the model knows nothing about).
public struct Catalogue: Sendable {
    public let ids: [String]
    public let categories: [String]
    public let popularity: [Float]
    let indexByID: [String: Int]
    /// Item indices by descending popularity.
    let popular: [Int]

    /// Reads `[{"item_id", "category", "popularity"}, ...]` from a JSON file.
    public init(file path: String) throws(WorkerError) {
        guard let data = FileManager.default.contents(atPath: path), let list = JSONValue.parse(Array(data))?.arrayValue else {
            throw .config("cannot read the item catalogue \(path) (a JSON array of items)")
        }
        var ids: [String] = [], categories: [String] = [], popularity: [Float] = []
        for (i, item) in list.enumerated() {
            guard let o = item.objectValue, let id = o["item_id"]?.stringValue else {
                throw .config("\(path): item \(i) needs an item_id string")
            }
            ids.append(id)
            categories.append(o["category"]?.stringValue ?? "")
            popularity.append(Float(o["popularity"]?.doubleValue ?? 0))
        }
        self.init(ids: ids, categories: categories, popularity: popularity)
        guard indexByID.count == ids.count else { throw .config("\(path): duplicate item ids") }
    }

    public init(ids: [String], categories: [String], popularity: [Float]) {
        self.ids = ids
        self.categories = categories
        self.popularity = popularity
        indexByID = Dictionary(ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        popular = ids.indices.sorted { popularity[$0] > popularity[$1] || (popularity[$0] == popularity[$1] && $0 < $1) }
    }

    public var count: Int { ids.count }
    public func index(of id: String) -> Int? { indexByID[id] }
}

/// The k best-scoring indices among those `allowed`, best first: one pass with a small
/// min-heap (O(n log k)) instead of sorting the whole catalogue.
enum PartialTopK {
    static func select(_ scores: UnsafeBufferPointer<Float>, k: Int, allowed: (Int) -> Bool) -> [Int] {
        guard k > 0 else { return [] }
        var heap: [(score: Float, index: Int)] = []  // min-heap on (score, then larger index worse)
        // k comes from the request (up to the configured max_k): the heap never holds more
        // than the catalogue, so that is all it reserves.
        heap.reserveCapacity(min(k, scores.count))
        func worse(_ a: (score: Float, index: Int), _ b: (score: Float, index: Int)) -> Bool {
            a.score < b.score || (a.score == b.score && a.index > b.index)
        }
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && worse(heap[l], heap[m]) { m = l }
                if r < heap.count && worse(heap[r], heap[m]) { m = r }
                if m == i { return }
                heap.swapAt(i, m)
                i = m
            }
        }
        for i in scores.indices where allowed(i) {
            let s = scores[i].isNaN ? -Float.infinity : scores[i]
            if heap.count < k {
                heap.append((s, i))
                var c = heap.count - 1
                while c > 0 {
                    let p = (c - 1) / 2
                    if worse(heap[c], heap[p]) { heap.swapAt(c, p); c = p } else { break }
                }
            } else if worse(heap[0], (s, i)) {
                heap[0] = (s, i)
                siftDown(0)
            }
        }
        return heap.sorted { worse($1, $0) }.map(\.index)
    }
}
