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
}
