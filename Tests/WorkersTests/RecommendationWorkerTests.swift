import Foundation
import TensorEngine
import Testing

@testable import Workers

@Suite struct RecommendationWorkerTests {
    /// Five items in two categories; popularity ranks I3 > I1 > I5 > I2 > I4.
    static let parameters = #"{"users": 100, "history_length": 3, "inputs": {"user": "user", "history": "history"}, "output": "scores", "max_k": 5}"#

    func worker(_ params: String = RecommendationWorkerTests.parameters) throws -> RecommendationWorker {
        let folder = NSTemporaryDirectory() + "kiln-rec-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let items = """
            [{"item_id": "I1", "category": "shoes", "popularity": 0.3}, {"item_id": "I2", "category": "bags", "popularity": 0.1},
             {"item_id": "I3", "category": "shoes", "popularity": 0.4}, {"item_id": "I4", "category": "bags", "popularity": 0.05},
             {"item_id": "I5", "category": "bags", "popularity": 0.15}]
            """
        try items.write(toFile: folder + "/items.json", atomically: true, encoding: .utf8)
        return try RecommendationWorker(model: WorkerModel(
            name: "rec", version: 1,
            inputs: [ValueInfo(name: "user", dtype: .int64, shape: [-1, 1]), ValueInfo(name: "history", dtype: .int64, shape: [-1, 3])],
            outputs: [ValueInfo(name: "scores", dtype: .float32, shape: [-1, 5])], maxRows: 8, folder: folder,
            parameters: JSONValue.parse(Array(params.utf8))!.objectValue!))
    }

    func run(_ w: RecommendationWorker, _ body: String, scores: [Float] = [0.5, 0.9, 0.1, 0.7, 0.3]) throws -> (PreparedRequest, [String: JSONValue]) {
        let p = try w.prepare(WorkerRequest(body: Array(body.utf8), contentType: "application/json"))
        let out = try w.finish(p, outputs: [Tensor(shape: [1, 5], floats: scores)])
        return (p, JSONValue.parse(out)!.objectValue!)
    }

    func ids(_ answer: [String: JSONValue]) -> [String] { answer["items"]!.arrayValue!.map { $0.objectValue!["item_id"]!.stringValue! } }

    @Test func knownUserGetsTopKOfTheModelScoresMinusSeenItems() throws {
        let (p, a) = try run(try worker(), #"{"user_id": 42, "recent_items": ["I2", "I9"], "k": 3}"#)
        #expect(p.inputs[0].int64s == [42] && p.inputs[1].int64s == [0, 0, 2])
        #expect(ids(a) == ["I4", "I1", "I5"], "I2 (seen) is excluded")
        #expect(a["strategy"] == .string("personalized") && a["unknown_items"] == .array([.string("I9")]))
    }

    @Test func categoryFilterAndKeepingSeenItems() throws {
        let (_, a) = try run(try worker(), #"{"user_id": 1, "recent_items": ["I2"], "exclude_seen": false, "category": "bags", "k": 2}"#)
        #expect(ids(a) == ["I2", "I4"])
    }

    @Test func unknownUserFallsBackToHistoryThenPopularity() throws {
        let w = try worker()
        let (p, history) = try run(w, #"{"user_id": 5000, "recent_items": ["I1", "I3", "I4", "I5"]}"#)
        #expect(p.inputs[0].int64s == [0] && p.inputs[1].int64s == [3, 4, 5], "the last three, most recent last")
        #expect(history["strategy"] == .string("history") && ids(history) == ["I2"])
        let (_, popular) = try run(w, #"{"k": 2}"#)
        #expect(popular["strategy"] == .string("popularity") && ids(popular) == ["I3", "I1"])
    }

    @Test(arguments: [
        (#"{"user_id": "u1"}"#, "'user_id' must be an integer"),
        (#"{"k": 0}"#, "'k' must be an integer in 1...5"),
        (#"{"recent_items": "I1"}"#, "'recent_items' must be an array"),
        (#"{"recent_items": [1]}"#, "item id strings"),
        (#"{"category": 3}"#, "'category' must be a string"),
        (#"{"user": 3}"#, "unknown field 'user'"),
    ])
    func badRequests(body: String, fragment: String) throws {
        let w = try worker()
        #expect {
            _ = try w.prepare(WorkerRequest(body: Array(body.utf8), contentType: "application/json"))
        } throws: { ($0 as? WorkerError)?.status == 400 && "\($0)".contains(fragment) }
    }

    @Test func partialTopKAgreesWithAFullSort() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let n = Int.random(in: 1...300, using: &rng)
            let scores = (0..<n).map { _ in Float(Int.random(in: 0...20, using: &rng)) }
            let k = Int.random(in: 1...20, using: &rng)
            let got = scores.withUnsafeBufferPointer { PartialTopK.select($0, k: k) { $0 % 3 != 0 } }
            let want = scores.indices.filter { $0 % 3 != 0 }.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }.prefix(k)
            #expect(got == Array(want))
        }
    }

    /// The answer written straight into bytes is, byte for byte, the sorted-key text of the
    /// same answer built as a JSON object, with and without unknown items and escapes.
    @Test func writtenAnswerEqualsItsObjectForm() {
        let items = [
            RecommendationAnswer.Item(itemID: "sku-1", score: 0.5, category: "tools"),
            RecommendationAnswer.Item(itemID: "q\"2", score: -1.25e-7, category: "garden\n"),
            RecommendationAnswer.Item(itemID: "3", score: 3, category: ""),
        ]
        for (list, unknown) in [(items, [String]()), ([], ["x", "y\\z"]), (items, ["gone"])] {
            for strategy in [RecommendationAnswer.Strategy.personalized, .history, .popularity] {
                let answer = RecommendationAnswer(items: list, strategy: strategy, unknownItems: unknown, model: "reco", version: "2")
                var out: [UInt8] = []
                answer.write(to: &out)
                #expect(out == answer.json.jsonBytes)
            }
        }
    }
}
