/// A node with its planned inputs, and typed access to attributes with ONNX defaults.
struct OpContext {
    let node: GraphNode
    /// Planned inputs in order; nil for an omitted optional input.
    let inputs: [PlanValue?]
    /// Intra-op threads the kernels may use.
    let threads: Int
    /// Where prepared weights are shared with the model's plans at other batch sizes.
    let prepared: PreparedWeights

    /// The key of something prepared from `weights` (a constant input of this node): the
    /// node, the storage the weights live in (the model's initializer, the same for every
    /// plan; a constant folded by one plan is not shared) and the input shapes without the
    /// batch dimension.
    func preparedKey(_ what: String, weights: Tensor) -> String {
        "\(what):\(node.name):\(UInt(bitPattern: weights.rawPointer)):"
            + inputs.map { $0.map { "\($0.shape.dims.dropFirst())" } ?? "-" }.joined(separator: ",")
    }

    var op: String { node.op }

    func fail(_ what: String, _ kind: EngineError.Kind = .invalidAttribute) -> EngineError {
        .node(node, kind, what)
    }

    /// Input `i`, required.
    func input(_ i: Int) throws(EngineError) -> PlanValue {
        guard i < inputs.count, let v = inputs[i] else { throw fail("missing required input \(i)", .invalidGraph) }
        return v
    }

    func optionalInput(_ i: Int) -> PlanValue? { i < inputs.count ? inputs[i] : nil }

    /// A float32 input, required.
    func floatInput(_ i: Int) throws(EngineError) -> PlanValue {
        let v = try input(i)
        guard v.dtype == .float32 else { throw fail("input \(i) must be FP32, got \(v.dtype)", .shapeMismatch) }
        return v
    }

    /// Constant integer contents of input `i` (axes, shapes, starts…), which must be known at plan time.
    func constantInts(_ i: Int) throws(EngineError) -> [Int]? {
        guard let v = optionalInput(i) else { return nil }
        guard let t = v.constant else { throw fail("input \(i) must be a constant (or computable from shapes) for this engine", .invalidGraph) }
        return t.int64s.map { Int($0) }
    }

    func int(_ name: String, _ fallback: Int) throws(EngineError) -> Int {
        switch node.attributes[name] {
        case nil: return fallback
        case .int(let v)?: return v
        default: throw fail("attribute '\(name)' must be an int")
        }
    }

    func float(_ name: String, _ fallback: Float) throws(EngineError) -> Float {
        switch node.attributes[name] {
        case nil: return fallback
        case .float(let v)?: return v
        case .int(let v)?: return Float(v)
        default: throw fail("attribute '\(name)' must be a float")
        }
    }

    func ints(_ name: String) throws(EngineError) -> [Int]? {
        switch node.attributes[name] {
        case nil: return nil
        case .ints(let v)?: return v
        case .int(let v)?: return [v]
        default: throw fail("attribute '\(name)' must be a list of ints")
        }
    }

    func string(_ name: String, _ fallback: String) throws(EngineError) -> String {
        switch node.attributes[name] {
        case nil: return fallback
        case .string(let v)?: return v
        default: throw fail("attribute '\(name)' must be a string")
        }
    }

    /// Normalises a possibly negative axis against `rank`.
    func axis(_ a: Int, rank: Int) throws(EngineError) -> Int {
        let v = a < 0 ? a + rank : a
        guard v >= 0 && v < rank else { throw fail("axis \(a) out of range for rank \(rank)") }
        return v
    }
}
