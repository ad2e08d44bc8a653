extension OpPlanner {
    /// LSTM and GRU (layout 0: [seq, batch, input]); weights packed once at load.
    static func recurrent(_ c: OpContext, lstm: Bool) throws(EngineError) -> OpPlan {
        let x = try c.floatInput(0)
        guard x.shape.rank == 3 else { throw c.fail("X must be [seq, batch, input], got \(x.shape)", .shapeMismatch) }
        guard try c.int("layout", 0) == 0 else { throw c.fail("layout 1 is not supported") }
        guard c.optionalInput(4) == nil else { throw c.fail("sequence_lens is not supported (all sequences must be full length)") }
        if let acts = c.node.attributes["activations"], case .strings(let names) = acts {
            let defaults = lstm ? ["Sigmoid", "Tanh", "Tanh"] : ["Sigmoid", "Tanh"]
            guard names.count % defaults.count == 0, zip(names, Array(repeating: defaults, count: names.count / defaults.count).flatMap { $0 }).allSatisfy({ $0.0 == $0.1 }) else {
                throw c.fail("only the default activations are supported, got \(names)")
            }
        }
        guard try c.int("input_forget", 0) == 0 else { throw c.fail("input_forget is not supported") }
        let directionName = try c.string("direction", "forward")
        guard let direction = RecurrentDirection(onnx: directionName) else { throw c.fail("unknown direction '\(directionName)'") }
        let (seq, batch, inputSize) = (x.shape[0], x.shape[1], x.shape[2])
        let gates = lstm ? 4 : 3
        guard let w = try c.input(1).constant, let r = try c.input(2).constant else { throw c.fail("W and R must be constants", .invalidGraph) }
        let dirs = direction.count
        guard w.shape.dims.count == 3, w.shape[0] == dirs, w.shape[2] == inputSize, w.shape[1] % gates == 0 else {
            throw c.fail("W \(w.shape) does not match X \(x.shape) and direction \(directionName)", .shapeMismatch)
        }
        let hidden = w.shape[1] / gates
        if let h = try c.ints("hidden_size").flatMap(\.first), h != hidden { throw c.fail("hidden_size \(h) disagrees with W \(w.shape)") }
        guard r.shape.dims == [dirs, gates * hidden, hidden] else { throw c.fail("R \(r.shape) should be [\(dirs), \(gates * hidden), \(hidden)]", .shapeMismatch) }
        var bias: Tensor?
        if let b = c.optionalInput(3) {
            guard let t = b.constant, t.shape.dims == [dirs, 2 * gates * hidden] else { throw c.fail("B must be a constant [\(dirs), \(2 * gates * hidden)]", .invalidGraph) }
            bias = t
        }
        let stateShape = [dirs, batch, hidden]
        for i in (lstm ? [5, 6] : [5]) {
            if let s = c.optionalInput(i), s.shape.dims != stateShape { throw c.fail("initial state \(i) should be \(Shape(stateShape)), got \(s.shape)", .shapeMismatch) }
        }
        var peepholes: Tensor?
        if lstm, let p = c.optionalInput(7) {
            guard let t = p.constant, t.count == dirs * 3 * hidden else { throw c.fail("P must be a constant [\(dirs), \(3 * hidden)]", .invalidGraph) }
            peepholes = t
        }
        let clipValue = try c.float("clip", 0)
        let clip: Float? = clipValue > 0 ? clipValue : nil
        let threads = c.threads
        let outputs: [(shape: Shape, dtype: DType)] = [([seq, dirs, batch, hidden], .float32), (Shape(stateShape), .float32)]
            + (lstm ? [(Shape(stateShape), .float32)] : [])
        if lstm {
            let kernel = LSTMKernel(
                w: w.floatPointer, r: r.floatPointer, bias: bias.map { UnsafePointer($0.floatPointer) },
                peepholes: peepholes.map { UnsafePointer($0.floatPointer) }, inputSize: inputSize, hiddenSize: hidden,
                direction: direction, clip: clip)
            var plan = OpPlan(outputs: outputs, workspaceBytes: kernel.workspaceCount(seq: seq, batch: batch) * 4) { ins, outs, ws in
                let (rx, rh, rc) = (ins[0]!, ins.count > 5 ? ins[5] : nil, ins.count > 6 ? ins[6] : nil)
                return { ctx in
                    kernel.run(
                        x: ctx.floats(rx), initialH: rh.map { UnsafePointer(ctx.floats($0)) }, initialC: rc.map { UnsafePointer(ctx.floats($0)) },
                        y: ctx.floats(outs[0]), yH: ctx.floats(outs[1]), yC: ctx.floats(outs[2]), seq: seq, batch: batch,
                        workspace: ctx.floats(ws!), threads: threads)
                }
            }
            plan.flops = OpPlan.saturatingProduct(2, seq, batch, dirs, 4, hidden, inputSize + hidden)
            return plan
        }
        let kernel = GRUKernel(
            w: w.floatPointer, r: r.floatPointer, bias: bias.map { UnsafePointer($0.floatPointer) }, inputSize: inputSize,
            hiddenSize: hidden, direction: direction, linearBeforeReset: try c.int("linear_before_reset", 0) == 1, clip: clip)
        var plan = OpPlan(outputs: outputs, workspaceBytes: kernel.workspaceCount(seq: seq, batch: batch) * 4) { ins, outs, ws in
            let (rx, rh) = (ins[0]!, ins.count > 5 ? ins[5] : nil)
            return { ctx in
                kernel.run(
                    x: ctx.floats(rx), initialH: rh.map { UnsafePointer(ctx.floats($0)) }, y: ctx.floats(outs[0]), yH: ctx.floats(outs[1]),
                    seq: seq, batch: batch, workspace: ctx.floats(ws!), threads: threads)
            }
        }
        plan.flops = OpPlan.saturatingProduct(2, seq, batch, dirs, 3, hidden, inputSize + hidden)
        return plan
    }

    static func softmax(_ c: OpContext, log: Bool) throws(EngineError) -> OpPlan {
        let x = try c.floatInput(0)
        let axis = try c.axis(try c.int("axis", -1), rank: max(x.shape.rank, 1))
        let (outer, count, inner) = SoftmaxKernel.extents(shape: x.shape.dims, axis: axis)
        let threads = c.threads
        return OpPlan(outputs: [(x.shape, .float32)]) { ins, outs, _ in
            let (rx, ro) = (ins[0]!, outs[0])
            return { ctx in
                if log {
                    SoftmaxKernel.logSoftmax(x: ctx.floats(rx), y: ctx.floats(ro), outer: outer, count: count, inner: inner, threads: threads)
                } else {
                    SoftmaxKernel.softmax(x: ctx.floats(rx), y: ctx.floats(ro), outer: outer, count: count, inner: inner, threads: threads)
                }
            }
        }
    }

    static func layerNormalization(_ c: OpContext) throws(EngineError) -> OpPlan {
        let x = try c.floatInput(0)
        let axis = try c.axis(try c.int("axis", -1), rank: x.shape.rank)
        let (outer, inner) = LayerNormKernel.extents(shape: x.shape.dims, axis: axis)
        let normalized = Array(x.shape.dims[axis...])
        let scale = try c.floatInput(1)
        guard Broadcast.shape([scale.shape.dims, normalized]) == normalized, scale.shape.count == inner else {
            throw c.fail("scale \(scale.shape) must match the normalised shape \(Shape(normalized))", .shapeMismatch)
        }
        if let b = c.optionalInput(2), b.shape.count != inner { throw c.fail("bias \(b.shape) must match \(Shape(normalized))", .shapeMismatch) }
        let epsilon = try c.float("epsilon", 1e-5)
        let statShape = Shape(Array(x.shape.dims[..<axis]) + Array(repeating: 1, count: x.shape.rank - axis))
        let threads = c.threads
        return OpPlan(outputs: [(x.shape, .float32), (statShape, .float32), (statShape, .float32)]) { ins, outs, _ in
            let (rx, rs, rb) = (ins[0]!, ins[1]!, ins.count > 2 ? ins[2] : nil)
            return { ctx in
                LayerNormKernel.run(
                    x: ctx.floats(rx), scale: ctx.floats(rs), bias: rb.map { UnsafePointer(ctx.floats($0)) }, y: ctx.floats(outs[0]),
                    mean: ctx.floats(outs[1]), invStdDev: ctx.floats(outs[2]), outer: outer, inner: inner, epsilon: epsilon, threads: threads)
            }
        }
    }

    /// ReduceSum/Mean/Max: axes from the attribute (opset < 18) or the second input (≥ 18).
    static func reduce(_ c: OpContext, _ op: ReduceKernel.Operation) throws(EngineError) -> OpPlan {
        let x = try c.floatInput(0)
        var axes: [Int] = []
        if let fromInput = try c.constantInts(1) { axes = fromInput } else if let fromAttribute = try c.ints("axes") { axes = fromAttribute }
        if axes.isEmpty {
            if try c.int("noop_with_empty_axes", 0) == 1 { return .alias(of: 0, shape: x.shape, dtype: .float32) }
            axes = Array(0..<x.shape.rank)
        }
        for a in axes { _ = try c.axis(a, rank: x.shape.rank) }
        let keep = try c.int("keepdims", 1) == 1
        let normalized = ReduceKernel.normalizedAxes(axes, rank: x.shape.rank)
        let kernel = ReduceKernel(operation: op, shape: x.shape.dims, axes: normalized, keepDims: keep)
        let threads = c.threads
        return OpPlan(outputs: [(Shape(ReduceKernel.outputShape(input: x.shape.dims, axes: normalized, keepDims: keep)), .float32)]) { ins, outs, _ in
            let (rx, ro) = (ins[0]!, outs[0])
            return { ctx in kernel.run(x: ctx.floats(rx), y: ctx.floats(ro), threads: threads) }
        }
    }

    static func topK(_ c: OpContext) throws(EngineError) -> OpPlan {
        let x = try c.floatInput(0)
        guard let k = try c.constantInts(1)?.first else { throw c.fail("K must be a constant") }
        let axis = try c.axis(try c.int("axis", -1), rank: x.shape.rank)
        guard k >= 0 && k <= x.shape[axis] else { throw c.fail("K \(k) exceeds axis size \(x.shape[axis])", .shapeMismatch) }
        guard try c.int("sorted", 1) == 1 else { throw c.fail("sorted=0 is not supported") }
        let largest = try c.int("largest", 1) == 1
        var dims = x.shape.dims
        dims[axis] = k
        let (outer, count, inner) = TopKKernel.extents(shape: x.shape.dims, axis: axis)
        let threads = c.threads
        return OpPlan(outputs: [(Shape(dims), .float32), (Shape(dims), .int64)]) { ins, outs, _ in
            let rx = ins[0]!
            return { ctx in
                TopKKernel.run(
                    x: ctx.floats(rx), values: ctx.floats(outs[0]), indices: ctx.raw(outs[1]).assumingMemoryBound(to: Int64.self),
                    outer: outer, count: count, inner: inner, k: k, largest: largest, threads: threads)
            }
        }
    }

    /// Gather on any axis; indices from a request are range-checked before the step runs.
    static func gather(_ c: OpContext) throws(EngineError) -> OpPlan {
        let data = try c.input(0), indices = try c.input(1)
        guard indices.dtype == .int64 || indices.dtype == .int32 else { throw c.fail("indices must be INT64 or INT32", .shapeMismatch) }
        let axis = try c.axis(try c.int("axis", 0), rank: data.shape.rank)
        let (outer, axisCount, inner) = GatherKernel.extents(data: data.shape.dims, axis: axis)
        let count = indices.shape.count
        if let known = indices.constant {
            guard known.int64s.allSatisfy({ $0 >= -Int64(axisCount) && $0 < Int64(axisCount) }) else {
                throw c.fail("constant indices out of range for axis size \(axisCount)", .shapeMismatch)
            }
        }
        let outShape = Shape(GatherKernel.outputShape(data: data.shape.dims, indices: indices.shape.dims, axis: axis))
        let wide = indices.dtype == .int64, size = data.dtype.size, threads = c.threads
        var plan = OpPlan(outputs: [(outShape, data.dtype)]) { ins, outs, _ in
            let (rd, ri, ro) = (ins[0]!, ins[1]!, outs[0])
            return { ctx in
                if wide {
                    GatherKernel.run(
                        data: ctx.raw(rd), indices: ctx.raw(ri).assumingMemoryBound(to: Int64.self), output: ctx.raw(ro), outer: outer,
                        axisCount: axisCount, inner: inner, indexCount: count, elementSize: size, threads: threads)
                } else {
                    GatherKernel.run(
                        data: ctx.raw(rd), indices: ctx.raw(ri).assumingMemoryBound(to: Int32.self), output: ctx.raw(ro), outer: outer,
                        axisCount: axisCount, inner: inner, indexCount: count, elementSize: size, threads: threads)
                }
            }
        }
        plan.check = { ins in
            let ri = ins[1]!
            return { ctx in
                do {
                    if wide {
                        try GatherKernel.validateIndices(ctx.raw(ri).assumingMemoryBound(to: Int64.self), count: count, axisCount: axisCount)
                    } else {
                        try GatherKernel.validateIndices(ctx.raw(ri).assumingMemoryBound(to: Int32.self), count: count, axisCount: axisCount)
                    }
                    return nil
                } catch {
                    return "\(c.node.op) node '\(c.node.name)': \(error)"
                }
            }
        }
        return plan
    }
}
