import Foundation
import TensorEngine
import Testing

@testable import Workers

/// Numbers from config.json and from requests that size memory or bound a loop in the
/// workers: `k`, `max_k`, `default_k`, `reasons`, `max_records`, and JSON nesting.
@Suite struct WorkerSizeLimitTests {
    /// A `k` as large as a (generous) max_k allows reserves no more than the catalogue:
    /// 10^14 heap slots would be a fatal allocation failure.
    @Test func hugeKReservesOnlyTheCatalogue() throws {
        let params = #"{"users": 100, "history_length": 3, "inputs": {"user": "user", "history": "history"}, "output": "scores", "max_k": 100000000000000}"#
        let w = try RecommendationWorkerTests().worker(params)
        let (_, answer) = try RecommendationWorkerTests().run(w, #"{"user_id": 1, "k": 100000000000000}"#)
        #expect(answer["items"]?.arrayValue?.count == 5)
        let scores: [Float] = [1, 2, 3]
        let picked = scores.withUnsafeBufferPointer { PartialTopK.select($0, k: Int.max) { _ in true } }
        #expect(picked == [2, 1, 0])
    }

    @Test(arguments: [(#""max_k": 0"#, "max_k 0"), (#""max_k": 5, "default_k": 0"#, "default_k 0"),
                      (#""max_k": 5, "default_k": -6"#, "default_k -6"), (#""max_k": -3, "default_k": 4"#, "max_k -3")])
    func kSettingsOutsideTheirRangeAreRefusedAtLoad(settings: String, fragment: String) {
        let params = #"{"users": 100, "history_length": 3, "inputs": {"user": "user", "history": "history"}, "output": "scores", \#(settings)}"#
        #expect {
            _ = try RecommendationWorkerTests().worker(params)
        } throws: { error in
            guard case .config(let message)? = error as? WorkerError else { return false }
            return message.contains(fragment)
        }
    }

    /// `reasons` bounds a prefix of each answer's reason list and `max_records` the batch:
    /// negative values are configuration errors, not a trap on the first request.
    @Test(arguments: [#""reasons": -1"#, #""max_records": 0"#, #""max_records": -5"#])
    func fraudCountsOutsideTheirRangeAreRefusedAtLoad(setting: String) {
        let params = FraudWorkerTests.parameters.replacingOccurrences(of: #""max_records": 4"#, with: setting)
        #expect {
            _ = try FraudWorkerTests().worker(params)
        } throws: { error in
            guard case .config(let message)? = error as? WorkerError else { return false }
            return message.contains("reasons")
        }
    }

    /// Nesting past the parser's depth limit is refused by counting, not by exhausting the
    /// stack: 100 000 levels would overflow it.
    @Test func deepNestingIsRefusedWithoutRecursingThroughIt() {
        for open in ["[", "{\"a\":"] {
            let body = Array(String(repeating: open, count: 100_000).utf8)
            #expect(JSONValue.parse(body) == nil)
        }
    }

    /// Record bodies are parsed with a budget of values their endpoint can use: a body of
    /// 200 000 records stops at the budget (413) instead of becoming a tree 12–17 times
    /// its size and then being counted.
    @Test func recordBodiesPastTheValueBudgetAreRefusedWhileParsing() throws {
        let fraud = try FraudWorkerTests().worker()
        let records = #"{"records": ["# + Array(repeating: #"{"hour": 1}"#, count: 200_000).joined(separator: ",") + "]}"
        #expect {
            _ = try fraud.prepare(WorkerRequest(body: Array(records.utf8), contentType: "application/json"))
        } throws: { ($0 as? WorkerError)?.status == 413 && "\($0)".contains("JSON values") }
        let rec = try RecommendationWorkerTests().worker()
        let history = #"{"recent_items": ["# + Array(repeating: #""I1""#, count: 200_000).joined(separator: ",") + "]}"
        #expect {
            _ = try rec.prepare(WorkerRequest(body: Array(history.utf8), contentType: "application/json"))
        } throws: { ($0 as? WorkerError)?.status == 413 && "\($0)".contains("JSON values") }
        // Within the budget: the batch limit's own answer, and a long history still served.
        let five = #"{"records": ["# + Array(repeating: #"{"amount": 1, "hour": 1}"#, count: 5).joined(separator: ",") + "]}"
        #expect {
            _ = try fraud.prepare(WorkerRequest(body: Array(five.utf8), contentType: "application/json"))
        } throws: { "\($0)".contains("5 records exceed the limit of 4") }
        let twenty = #"{"recent_items": ["# + Array(repeating: #""I2""#, count: 20).joined(separator: ",") + "]}"
        _ = try rec.prepare(WorkerRequest(body: Array(twenty.utf8), contentType: "application/json"))
    }

    /// The budget counts objects, arrays and scalars alike, and stops at the first value over it.
    @Test func valueBudgetCountsEveryValue() throws {
        let text = Array(#"{"a": [1, 2, {"b": null}]}"#.utf8)
        #expect(try JSONValue.parse(text, maxValues: 6) != nil)
        #expect(throws: JSONValue.TooManyValues(limit: 5)) { try JSONValue.parse(text, maxValues: 5) }
        #expect(try JSONValue.parse(Array("{".utf8), maxValues: 5) == nil)
    }
}
