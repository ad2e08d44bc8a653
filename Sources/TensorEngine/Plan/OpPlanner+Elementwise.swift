extension OpPlanner {
    static func binary(_ c: OpContext, _ op: ElementwiseKernel.Binary) throws(EngineError) -> OpPlan {
        let a = try c.input(0), b = try c.input(1)
        guard a.dtype == b.dtype else { throw c.fail("inputs have different types \(a.dtype) and \(b.dtype)", .shapeMismatch) }
        guard let outDims = Broadcast.shape([a.shape.dims, b.shape.dims]) else {
            throw c.fail("shapes \(a.shape) and \(b.shape) do not broadcast", .shapeMismatch)
        }
        let plan = Broadcast.plan(output: outDims, inputs: [a.shape.dims, b.shape.dims])
        let dtype = a.dtype
        guard dtype == .float32 || dtype == .int64 else { throw c.fail("\(dtype) arithmetic is not supported", .shapeMismatch) }
        return OpPlan(outputs: [(Shape(outDims), dtype)]) { ins, outs, _ in
            let (ra, rb, ro) = (ins[0]!, ins[1]!, outs[0])
            if dtype == .int64 {
                return { ctx in
                    ElementwiseKernel.binaryInt64(
                        op, ctx.raw(ra).assumingMemoryBound(to: Int64.self), ctx.raw(rb).assumingMemoryBound(to: Int64.self),
                        ctx.raw(ro).assumingMemoryBound(to: Int64.self), plan: plan)
                }
            }
            return { ctx in ElementwiseKernel.binary(op, ctx.floats(ra), ctx.floats(rb), ctx.floats(ro), plan: plan) }
        }
    }

    static func unary(_ c: OpContext, _ op: ElementwiseKernel.Unary) throws(EngineError) -> OpPlan {
        let x = try c.floatInput(0)
        let n = x.shape.count, threads = c.threads
        return OpPlan(outputs: [(x.shape, .float32)]) { ins, outs, _ in
            let (rx, ro) = (ins[0]!, outs[0])
            return { ctx in ElementwiseKernel.unary(op, ctx.floats(rx), ctx.floats(ro), count: n, threads: threads) }
        }
    }

    /// Clip: bounds from attributes (opset ≤ 10) or from constant inputs (opset ≥ 11).
    static func clip(_ c: OpContext) throws(EngineError) -> OpPlan {
        var lo = try c.float("min", -.greatestFiniteMagnitude)
        var hi = try c.float("max", .greatestFiniteMagnitude)
        for (i, bound) in [(1, "min"), (2, "max")] {
            guard let v = c.optionalInput(i) else { continue }
            guard let t = v.constant, t.count == 1, t.dtype == .float32 else { throw c.fail("\(bound) must be a constant scalar") }
            if i == 1 { lo = t.floats[0] } else { hi = t.floats[0] }
        }
        return try unary(c, .activation(lo == 0 && hi == .greatestFiniteMagnitude ? .relu : .clip(min: lo, max: hi)))
    }

    /// The activation fused into a Conv or Gemm node by the converter (attribute
    /// `fused_activation`, with `fused_alpha`, `fused_beta`, `fused_min`, `fused_max`).
    static func fusedActivation(_ c: OpContext) throws(EngineError) -> Activation {
        switch try c.string("fused_activation", "") {
        case "": return .none
        case "Relu": return .relu
        case "Clip": return .clip(min: try c.float("fused_min", 0), max: try c.float("fused_max", 6))
        case "LeakyRelu": return .leakyRelu(alpha: try c.float("fused_alpha", 0.01))
        case "Sigmoid": return .sigmoid
        case "HardSigmoid": return .hardSigmoid(alpha: try c.float("fused_alpha", 0.2), beta: try c.float("fused_beta", 0.5))
        case "HardSwish": return .hardSwish
        case "Tanh": return .tanh
        case let other: throw c.fail("unknown fused activation '\(other)'")
        }
    }
}
