import TensorEngine
import Testing

@testable import Workers

@Suite struct FraudWorkerTests {
    static let parameters = """
        {"features": [
          {"name": "amount", "type": "numeric", "transform": "log1p", "mean": 3, "std": 2, "required": true, "min": 0},
          {"name": "card_present", "type": "boolean", "default": false},
          {"name": "hour", "type": "numeric", "mean": 12, "std": 6, "min": 0, "max": 23, "required": true},
          {"name": "channel", "type": "categorical", "vocabulary": ["pos", "ecommerce", "atm"]}
         ],
         "inputs": {"numeric": "numeric", "categorical": "categorical"}, "output": "p",
         "thresholds": {"review": 0.3, "decline": 0.7}, "max_records": 4}
        """

    func worker(_ text: String = FraudWorkerTests.parameters, maxRows: Int = 64) throws -> FraudWorker {
        let model = WorkerModel(
            name: "fraud", version: 3,
            inputs: [ValueInfo(name: "numeric", dtype: .float32, shape: [-1, 3]), ValueInfo(name: "categorical", dtype: .int64, shape: [-1, 1])],
            outputs: [ValueInfo(name: "p", dtype: .float32, shape: [-1, 1])], maxRows: maxRows, folder: "/nonexistent",
            parameters: JSONValue.parse(Array(text.utf8))!.objectValue!)
        return try FraudWorker(model: model)
    }

    func prepare(_ w: FraudWorker, _ body: String) throws(WorkerError) -> PreparedRequest {
        try w.prepare(WorkerRequest(body: Array(body.utf8), contentType: "application/json"))
    }

    @Test func recordBecomesNormalisedRowsWithOneOcclusionRowPerFeature() throws {
        let w = try worker()
        let p = try prepare(w, #"{"amount": 99, "card_present": true, "hour": 18, "channel": "ecommerce"}"#)
        #expect(p.rows == 5)
        let num = p.inputs[0].floats, cat = p.inputs[1].int64s
        let amount = Float((log1p(99.0) - 3) / 2)
        #expect(abs(num[0] - amount) < 1e-6 && num[1] == 1 && num[2] == 1 && cat[0] == 2)
        // Row 1 neutralises amount, row 2 card_present, row 3 hour, row 4 channel.
        #expect(num[3] == 0 && num[4] == 1 && num[5] == 1 && cat[1] == 2)
        #expect(num[6] == amount && num[7] == 0 && cat[2] == 2)
        #expect(num[11] == 0 && cat[3] == 2)
        #expect(cat[4] == 0, "channel falls back to the unknown bucket")
    }

    @Test func unknownCategoryGoesToTheUnknownBucketAndDefaultsApply() throws {
        let p = try prepare(try worker(), #"{"amount": 1, "hour": 0, "channel": "telepathy"}"#)
        #expect(p.inputs[1].int64s[0] == 0)
        #expect(p.inputs[0].floats[1] == 0, "card_present defaults to false")
    }

    @Test(arguments: [
        (#"{"hour": 3}"#, "field 'amount' is required"),
        (#"{"amount": "12", "hour": 3}"#, "field 'amount' must be a number"),
        (#"{"amount": -5, "hour": 3}"#, "below its minimum 0"),
        (#"{"amount": 5, "hour": 24}"#, "above its maximum 23"),
        (#"{"amount": 5, "hour": 3, "card_present": "yes"}"#, "'card_present' must be true or false"),
        (#"{"amount": 5, "hour": 3, "channel": 7}"#, "'channel' must be a string"),
        (#"{"amount": 5, "hour": 3, "merchant": "x"}"#, "unknown field 'merchant'"),
        (#"{"records": [{"amount": 5, "hour": 3}, 7]}"#, "records[1] must be an object"),
        (#"{"records": []}"#, "'records' is empty"),
        (#"[1]"#, "body must be a JSON object"),
        (#"{"amount": 5"#, "not valid JSON"),
    ])
    func badRecordsAre400NamingTheField(body: String, fragment: String) throws {
        let w = try worker()
        #expect {
            _ = try prepare(w, body)
        } throws: { error in
            guard let e = error as? WorkerError else { return false }
            return e.status == 400 && e.description.contains(fragment)
        }
    }

    @Test func oversizedBatchIs413() throws {
        let w = try worker()
        let record = #"{"amount": 5, "hour": 3}"#
        let body = #"{"records": ["# + Array(repeating: record, count: 5).joined(separator: ",") + "]}"
        #expect { _ = try prepare(w, body) } throws: { ($0 as? WorkerError)?.status == 413 }
    }

    @Test func reasonsAreTheFeaturesWhoseRemovalLowersTheScore() throws {
        let w = try worker()
        let p = try prepare(w, #"{"records": [{"id": "t1", "amount": 5000, "hour": 3}, {"amount": 5, "hour": 12}]}"#)
        // Record 0: base 0.9; without amount 0.2, without card_present 0.9, without hour 0.6, without channel 0.95.
        // Record 1: base 0.1, nothing raises it.
        let scores: [Float] = [0.9, 0.2, 0.9, 0.6, 0.95, 0.1, 0.1, 0.1, 0.1, 0.1]
        let out = try w.finish(p, outputs: [Tensor(shape: [10, 1], floats: scores)])
        let answer = JSONValue.parse(out)!.objectValue!
        let results = answer["results"]!.arrayValue!.map { $0.objectValue! }
        #expect(results[0]["decision"] == .string("decline") && results[0]["id"] == .string("t1"))
        let reasons = results[0]["reasons"]!.arrayValue!.map { $0.objectValue! }
        #expect(reasons.map { $0["feature"]!.stringValue! } == ["amount", "hour"])
        #expect(reasons[0]["contribution"] == .number(0.7) && reasons[0]["value"] == .number(5000))
        #expect(results[1]["decision"] == .string("approve") && results[1]["reasons"] == .array([]))
        #expect(answer["model"] == .string("fraud") && answer["version"] == .string("3"))
    }

    /// The answer written straight into bytes is, byte for byte, the sorted-key text of the
    /// same answer built as JSON objects (the single layout merges the header's members).
    @Test func writtenAnswersEqualTheirObjectForm() {
        let header = FraudAnswer.Header(model: "fraud \"v2\"", version: "7", review: 0.3, decline: 0.75)
        let answers = [
            FraudAnswer(id: .string("t\n1"), score: 0.912345, decision: .decline, reasons: [
                .init(feature: "amount", value: .number(5000), contribution: 0.7),
                .init(feature: "channel", value: .string("atm"), contribution: 1e-6),
                .init(feature: "card_present", value: .bool(false), contribution: 0.25),
            ]),
            FraudAnswer(id: nil, score: 0, decision: .approve, reasons: []),
            FraudAnswer(id: .number(42), score: 1, decision: .review, reasons: [.init(feature: "hour", value: .null, contribution: 0.5)]),
        ]
        let headerFields: [String: JSONValue] = ["model": .string(header.model), "version": .string(header.version), "thresholds": header.thresholds]
        for a in answers {
            var single: [UInt8] = []
            a.write(to: &single, header: header)
            #expect(single == JSONValue.object(a.fields.merging(headerFields) { x, _ in x }).jsonBytes)
        }
        var batch: [UInt8] = []
        FraudAnswer.write(batch: answers, to: &batch, header: header)
        #expect(batch == JSONValue.object(headerFields.merging(["results": .array(answers.map { .object($0.fields) })]) { x, _ in x }).jsonBytes)
    }

    @Test(arguments: [
        (#"{"features": []}"#, "non-empty"),
        (#"{"features": [{"name": "a", "type": "numeric"}]}"#, "needs required: true or a default"),
        (#"{"features": [{"name": "a", "type": "date", "required": true}]}"#, "numeric, boolean or categorical"),
    ])
    func badSpecsRefuseTheModel(text: String, fragment: String) {
        #expect {
            _ = try worker(text)
        } throws: { "\($0)".contains(fragment) }
    }

    @Test func specThatDisagreesWithTheModelIsRefused() {
        let fewer = FraudWorkerTests.parameters.replacingOccurrences(
            of: #"{"name": "hour", "type": "numeric", "mean": 12, "std": 6, "min": 0, "max": 23, "required": true},"#, with: "")
        #expect { _ = try worker(fewer) } throws: { "\($0)".contains("numeric features") }
    }
}

import Foundation
