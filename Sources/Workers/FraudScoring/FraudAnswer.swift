import HTTPCore

/// The answer of `POST /v1/fraud-scoring` for one record (docs/api.md); a batch answers
/// `{"results": [...]}` with one of these per record. Written straight into bytes with the
/// keys in sorted order, the text `JSONValue` would give for `fields` (its tests hold the
/// two equal): building a dictionary per record and reason cost more than scoring them.
struct FraudAnswer: Sendable, Equatable {
    enum Decision: String, Sendable { case approve, review, decline }

    /// A feature that raised the score: its value in the request and by how much.
    struct Reason: Sendable, Equatable {
        var feature: String
        var value: JSONValue
        var contribution: Double
    }

    /// What every answer carries besides the records' results.
    struct Header: Sendable {
        var model: String
        var version: String
        var review: Double
        var decline: Double

        var thresholds: JSONValue { .object(["review": .number(review), "decline": .number(decline)]) }
    }

    var id: JSONValue?
    var score: Double
    var decision: Decision
    var reasons: [Reason]

    /// The answer as a JSON object (the reference layout).
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

    /// `{decision, id?, reasons, score}`, or for a single record with the header's members
    /// merged in: `{decision, id?, model, reasons, score, thresholds, version}`.
    func write(to out: inout [UInt8], header: Header? = nil) {
        var first = true
        func key(_ k: String) {
            out.append(UInt8(ascii: first ? "{" : ","))
            first = false
            JSONString.append(k, to: &out)
            out.append(UInt8(ascii: ":"))
        }
        key("decision")
        JSONString.append(decision.rawValue, to: &out)
        if let id {
            key("id")
            id.write(to: &out)
        }
        if let header {
            key("model")
            JSONString.append(header.model, to: &out)
        }
        key("reasons")
        out.append(UInt8(ascii: "["))
        for (i, r) in reasons.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"contribution":"#.utf8)
            JSONValue.number(r.contribution).write(to: &out)
            out.append(contentsOf: #","feature":"#.utf8)
            JSONString.append(r.feature, to: &out)
            out.append(contentsOf: #","value":"#.utf8)
            r.value.write(to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
        key("score")
        JSONValue.number(score).write(to: &out)
        if let header {
            key("thresholds")
            header.thresholds.write(to: &out)
            key("version")
            JSONString.append(header.version, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// `{model, results: [...], thresholds, version}`.
    static func write(batch: [FraudAnswer], to out: inout [UInt8], header: Header) {
        out.append(contentsOf: #"{"model":"#.utf8)
        JSONString.append(header.model, to: &out)
        out.append(contentsOf: #","results":["#.utf8)
        for (i, answer) in batch.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            answer.write(to: &out)
        }
        out.append(contentsOf: #"],"thresholds":"#.utf8)
        header.thresholds.write(to: &out)
        out.append(contentsOf: #","version":"#.utf8)
        JSONString.append(header.version, to: &out)
        out.append(UInt8(ascii: "}"))
    }
}
