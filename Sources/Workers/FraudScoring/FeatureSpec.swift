import Foundation

/// One input feature of the fraud model, as its config.json describes it: how a record's
/// field becomes a number for the model. The pipeline lives in the model's configuration,
/// not in Swift, so retraining with new features needs no code change.
public struct FeatureSpec: Sendable, Equatable {
    public enum Kind: String, Sendable { case numeric, boolean, categorical }
    public enum Transform: String, Sendable { case none, log1p }

    public var name: String
    public var kind: Kind
    public var transform = Transform.none
    public var mean = 0.0
    public var std = 1.0
    public var minimum: Double?
    public var maximum: Double?
    /// Used when the field is absent or null; nil with `required` means "400 if missing".
    public var defaultValue: JSONValue?
    public var required = false
    /// Categorical values in index order; model index = position + 1, 0 = unknown.
    public var vocabulary: [String] = []
    var index: [String: Int] = [:]

    /// Parses one entry of `parameters.features`.
    static func parse(_ p: Parameters) throws(WorkerError) -> FeatureSpec {
        let name = try p.string("name")
        guard let kind = Kind(rawValue: try p.string("type")) else {
            throw .config("\(p.path).type must be numeric, boolean or categorical")
        }
        var spec = FeatureSpec(name: name, kind: kind)
        spec.required = p.object["required"]?.boolValue ?? false
        if let d = p.object["default"], d != .null { spec.defaultValue = d }
        switch kind {
        case .numeric:
            guard let t = Transform(rawValue: try p.string("transform", default: "none")) else {
                throw .config("\(p.path).transform must be none or log1p")
            }
            spec.transform = t
            spec.mean = try p.double("mean", default: 0)
            spec.std = try p.double("std", default: 1)
            guard spec.std > 0 else { throw .config("\(p.path).std must be positive") }
            if p.has("min") { spec.minimum = try p.double("min") }
            if p.has("max") { spec.maximum = try p.double("max") }
            if let d = spec.defaultValue, d.doubleValue == nil { throw .config("\(p.path).default must be a number") }
        case .boolean:
            spec.mean = try p.double("mean", default: 0)
            spec.std = try p.double("std", default: 1)
            if let d = spec.defaultValue, d.boolValue == nil { throw .config("\(p.path).default must be true or false") }
        case .categorical:
            spec.vocabulary = try p.strings("vocabulary")
            for (i, v) in spec.vocabulary.enumerated() { spec.index[v] = i + 1 }
            if let d = spec.defaultValue, d.stringValue == nil { throw .config("\(p.path).default must be a string") }
        }
        if !spec.required && spec.defaultValue == nil && kind != .categorical {
            throw .config("\(p.path) (\(name)) needs required: true or a default")
        }
        return spec
    }

    /// The model-space value of a field (normalised number, or vocabulary index), or a
    /// 400 naming the field. `value` is nil when the record lacks the field.
    func encode(_ value: JSONValue?, record: Int) throws(WorkerError) -> Double {
        // Built only for an error: this runs per feature of every record.
        var where_: String { "record \(record): field '\(name)'" }
        var v = value
        if v == nil || v == .null { v = defaultValue }
        guard let v else {
            if kind == .categorical && !required { return 0 }  // missing → the unknown bucket
            throw .bad("\(where_) is required")
        }
        switch kind {
        case .numeric:
            guard let x = v.doubleValue, x.isFinite else { throw .bad("\(where_) must be a number, got \(v.jsonText)") }
            if let lo = minimum, x < lo { throw .bad("\(where_) is \(x), below its minimum \(lo)") }
            if let hi = maximum, x > hi { throw .bad("\(where_) is \(x), above its maximum \(hi)") }
            var t = x
            if transform == .log1p {
                guard x > -1 else { throw .bad("\(where_) is \(x); it must be greater than -1") }
                t = Foundation.log1p(x)
            }
            return (t - mean) / std
        case .boolean:
            guard let b = v.boolValue else { throw .bad("\(where_) must be true or false, got \(v.jsonText)") }
            return ((b ? 1 : 0) - mean) / std
        case .categorical:
            guard let s = v.stringValue else { throw .bad("\(where_) must be a string, got \(v.jsonText)") }
            return Double(index[s] ?? 0)
        }
    }

    /// The model-space value meaning "no information" for explanations: the training mean
    /// for numbers, false for flags, the unknown bucket for categories.
    var neutral: Double {
        switch kind {
        case .numeric: 0
        case .boolean: (0 - mean) / std
        case .categorical: 0
        }
    }
}
