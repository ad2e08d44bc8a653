import Foundation
import TensorEngine

/// Card-transaction fraud scoring: records (one, or `{"records": [...]}`) become the model's
/// numeric and categorical inputs through the feature specs of config.json; each gets a
/// score, a decision (approve / review / decline by the configured thresholds) and the
/// reasons: the features whose information raised the score, measured by occlusion
/// (the score with that feature replaced by its neutral value, run in the same batch).
public struct FraudWorker: Worker {
    let features: [FeatureSpec]
    let numericInput: Int
    let categoricalInput: Int
    let outputIndex: Int
    let review: Double
    let decline: Double
    let maxRecords: Int
    let maxReasons: Int
    let inputCount: Int
    let model: WorkerModel
    /// Feature `f`'s column in its input (numeric or categorical).
    let columns: [Int]
    /// Field names a record may carry: each feature's index, and `id` (-1).
    let slots: [String: Int]
    /// The feature behind each column of the numeric and the categorical input.
    let numericFeatures: [Int]
    let categoricalFeatures: [Int]

    public init(model: WorkerModel) throws(WorkerError) {
        self.model = model
        let p = Parameters(model.parameters)
        guard let list = model.parameters["features"]?.arrayValue, !list.isEmpty else {
            throw .config("parameters.features must be a non-empty array")
        }
        var specs: [FeatureSpec] = []
        for (i, entry) in list.enumerated() {
            guard let o = entry.objectValue else { throw .config("parameters.features[\(i)] must be an object") }
            specs.append(try FeatureSpec.parse(Parameters(o, path: "parameters.features[\(i)]")))
        }
        guard Set(specs.map(\.name)).count == specs.count else { throw .config("parameters.features has duplicate names") }
        features = specs
        var seen = (numeric: 0, categorical: 0)
        columns = specs.map { spec in
            if spec.kind == .categorical {
                defer { seen.categorical += 1 }
                return seen.categorical
            }
            defer { seen.numeric += 1 }
            return seen.numeric
        }
        slots = Dictionary(uniqueKeysWithValues: specs.enumerated().map { ($1.name, $0) } + [("id", -1)])
        numericFeatures = specs.indices.filter { specs[$0].kind != .categorical }
        categoricalFeatures = specs.indices.filter { specs[$0].kind == .categorical }
        let names = try p.nested("inputs")
        numericInput = try model.input(try names.string("numeric"), .float32)
        categoricalInput = try model.input(try names.string("categorical"), .int64)
        outputIndex = try model.output(try p.string("output"))
        let thresholds = try p.nested("thresholds")
        review = try thresholds.double("review")
        decline = try thresholds.double("decline")
        guard 0 <= review, review <= decline, decline <= 1 else {
            throw .config("parameters.thresholds need 0 ≤ review ≤ decline ≤ 1")
        }
        maxRecords = try p.int("max_records", default: 256)
        maxReasons = try p.int("reasons", default: 3)
        // `reasons` bounds a prefix of each answer's list: a negative count would trap there.
        guard maxRecords >= 1, maxReasons >= 0 else {
            throw .config("parameters need max_records ≥ 1 and reasons ≥ 0, got \(maxRecords) and \(maxReasons)")
        }
        inputCount = model.inputs.count
        let nNumeric = specs.filter { $0.kind != .categorical }.count, nCategorical = specs.count - nNumeric
        guard model.inputs[numericInput].shape.dropFirst() == [nNumeric] else {
            throw .config("input '\(model.inputs[numericInput].name)' has shape \(model.inputs[numericInput].shape); the specs give \(nNumeric) numeric features")
        }
        guard model.inputs[categoricalInput].shape.dropFirst() == [nCategorical] else {
            throw .config("input '\(model.inputs[categoricalInput].name)' has shape \(model.inputs[categoricalInput].shape); the specs give \(nCategorical) categorical features")
        }
        guard (1 + specs.count) <= model.maxRows else {
            throw .config("max_batch_size \(model.maxRows) is below the \(1 + specs.count) rows one explained record needs")
        }
    }

    /// Rows one record occupies: itself, then itself with each feature neutralised.
    var rowsPerRecord: Int { 1 + features.count }

    /// What `finish` needs: the records' ids, raw values and how many there were.
    struct Context: Sendable {
        var records: [[String: JSONValue]]
        var single: Bool
    }

    public func prepare(_ request: WorkerRequest) throws(WorkerError) -> PreparedRequest {
        let limit = min(maxRecords, model.maxRows / rowsPerRecord)
        // A record is an object of at most every field and its id; four times that leaves
        // room for an id that is itself a small object. More is refused while parsing,
        // before the tree (12–17 × the text) is built.
        let budget = 4 * limit * (slots.count + 1) + 8
        let parsed: JSONValue?
        do {
            parsed = try JSONValue.parse(request.body, maxValues: budget)
        } catch {
            throw .request(status: 413, "body holds more than \(budget) JSON values; at most \(limit) records of \(features.count) fields are accepted per request")
        }
        guard let body = parsed else { throw .bad("body is not valid JSON") }
        let (records, single) = try Self.records(body)
        guard !records.isEmpty else { throw .bad("'records' is empty") }
        guard records.count <= limit else { throw .request(status: 413, "\(records.count) records exceed the limit of \(limit) per request") }
        let rows = records.count * rowsPerRecord
        let num = Tensor(shape: Shape([rows, numericFeatures.count]), dtype: .float32)
        let cat = Tensor(shape: Shape([rows, categoricalFeatures.count]), dtype: .int64)
        let np = num.floatPointer, cp = cat.rawPointer.assumingMemoryBound(to: Int64.self)
        // One pass over each record's fields finds every feature's value and any unknown
        // field (one hash per field; a lookup per feature and a membership test per field
        // were two, and this runs for every record).
        var values = [JSONValue?](repeating: nil, count: features.count)
        var nv = [Float](repeating: 0, count: numericFeatures.count), cv = [Int64](repeating: 0, count: categoricalFeatures.count)
        for (r, record) in records.enumerated() {
            for j in values.indices { values[j] = nil }
            for (key, value) in record {
                guard let slot = slots[key] else {
                    let unknown = record.keys.sorted().first { slots[$0] == nil }!
                    throw .bad("record \(r): unknown field '\(unknown)'; known fields: \(features.map(\.name).joined(separator: ", "))")
                }
                if slot >= 0 { values[slot] = value }
            }
            for (j, f) in numericFeatures.enumerated() { nv[j] = Float(try features[f].encode(values[f], record: r)) }
            for (j, f) in categoricalFeatures.enumerated() { cv[j] = Int64(try features[f].encode(values[f], record: r)) }
            // Row 0: the record; row 1 + f: feature f replaced by its neutral value.
            for k in 0..<rowsPerRecord {
                let row = r * rowsPerRecord + k
                for (j, x) in nv.enumerated() { np[row * nv.count + j] = x }
                for (j, x) in cv.enumerated() { cp[row * cv.count + j] = x }
                guard k > 0 else { continue }
                if features[k - 1].kind == .categorical {
                    cp[row * cv.count + columns[k - 1]] = Int64(features[k - 1].neutral)
                } else {
                    np[row * nv.count + columns[k - 1]] = Float(features[k - 1].neutral)
                }
            }
        }
        var inputs = [Tensor](repeating: num, count: inputCount)
        inputs[numericInput] = num
        inputs[categoricalInput] = cat
        return PreparedRequest(inputs: inputs, rows: rows, context: Context(records: records, single: single))
    }

    /// A body is one record (an object of fields) or `{"records": [ ... ]}`.
    static func records(_ body: JSONValue) throws(WorkerError) -> ([[String: JSONValue]], Bool) {
        guard let object = body.objectValue else { throw .bad("body must be a JSON object: one record or {\"records\": [...]}") }
        guard let list = object["records"] else { return ([object], true) }
        guard object.count == 1 else { throw .bad("a batch body holds only 'records'") }
        guard let array = list.arrayValue else { throw .bad("'records' must be an array of objects") }
        var out: [[String: JSONValue]] = []
        for (i, r) in array.enumerated() {
            guard let o = r.objectValue else { throw .bad("records[\(i)] must be an object") }
            out.append(o)
        }
        return (out, false)
    }

    public func finish(_ prepared: PreparedRequest, outputs: [Tensor]) throws(WorkerError) -> [UInt8] {
        guard let context = prepared.context as? Context else { throw .config("fraud worker lost its request context") }
        let scores = outputs[outputIndex].floats
        var answers: [FraudAnswer] = []
        answers.reserveCapacity(context.records.count)
        for (r, record) in context.records.enumerated() {
            let base = Double(scores[r * rowsPerRecord])
            var reasons: [(feature: Int, contribution: Double)] = []
            for f in features.indices {
                let contribution = base - Double(scores[r * rowsPerRecord + 1 + f])
                if contribution > 0.001 { reasons.append((f, contribution)) }
            }
            reasons.sort { $0.contribution > $1.contribution }
            let decision: FraudAnswer.Decision = base >= decline ? .decline : base >= review ? .review : .approve
            answers.append(
                FraudAnswer(
                    id: record["id"], score: Self.round(base), decision: decision,
                    reasons: reasons.prefix(maxReasons).map {
                        let name = features[$0.feature].name
                        return FraudAnswer.Reason(feature: name, value: record[name] ?? .null, contribution: Self.round($0.contribution))
                    }))
        }
        let header = FraudAnswer.Header(model: model.name, version: String(model.version), review: review, decline: decline)
        var out: [UInt8] = []
        out.reserveCapacity(160 * answers.count + 96)
        if context.single {
            answers[0].write(to: &out, header: header)
        } else {
            FraudAnswer.write(batch: answers, to: &out, header: header)
        }
        return out
    }

    static func round(_ x: Double) -> Double { (x * 1e6).rounded() / 1e6 }
}
