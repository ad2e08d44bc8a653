extension OpPlanner {
    static func identity(_ c: OpContext) throws(EngineError) -> OpPlan {
        let x = try c.input(0)
        return .alias(of: 0, shape: x.shape, dtype: x.dtype)
    }

    /// Reshape: 0 copies the input dimension (unless allowzero), one -1 is inferred.
    static func reshape(_ c: OpContext) throws(EngineError) -> OpPlan {
        let x = try c.input(0)
        guard let target = try c.constantInts(1) else { throw c.fail("missing shape input", .invalidGraph) }
        let allowZero = try c.int("allowzero", 0) == 1
        var dims = target.enumerated().map { i, d in d == 0 && !allowZero && i < x.shape.rank ? x.shape[i] : d }
        let unknown = dims.indices.filter { dims[$0] == -1 }
        guard unknown.count <= 1, dims.allSatisfy({ $0 >= -1 }) else { throw c.fail("invalid target shape \(target)") }
        if let u = unknown.first {
            let known = dims.enumerated().filter { $0.offset != u }.reduce(1) { $0 * $1.element }
            guard known > 0, x.shape.count % known == 0 else { throw c.fail("cannot reshape \(x.shape) to \(target)", .shapeMismatch) }
            dims[u] = x.shape.count / known
        }
        guard Shape(dims).checkedCount == x.shape.count else {
            throw c.fail("cannot reshape \(x.shape) (\(x.shape.count) elements) to \(Shape(dims))", .shapeMismatch)
        }
        return .alias(of: 0, shape: Shape(dims), dtype: x.dtype)
    }

    static func flatten(_ c: OpContext) throws(EngineError) -> OpPlan {
        let x = try c.input(0)
        let a = try c.int("axis", 1)
        let axis = a < 0 ? a + x.shape.rank : a
        guard axis >= 0 && axis <= x.shape.rank else { throw c.fail("axis \(a) out of range") }
        let outer = x.shape.dims[..<axis].reduce(1, *)
        return .alias(of: 0, shape: [outer, x.shape.count / max(outer, 1)], dtype: x.dtype)
    }

    /// Axes come from the attribute (opset < 13) or the second input (opset ≥ 13).
    static func axesArgument(_ c: OpContext) throws(EngineError) -> [Int]? {
        if let fromInput = try c.constantInts(1) { return fromInput }
        return try c.ints("axes")
    }

    static func squeeze(_ c: OpContext) throws(EngineError) -> OpPlan {
        let x = try c.input(0)
        let rank = x.shape.rank
        var drop: Set<Int> = []
        if let axes = try axesArgument(c) {
            for a in axes {
                let v = try c.axis(a, rank: rank)
                guard x.shape[v] == 1 else { throw c.fail("cannot squeeze axis \(a) of size \(x.shape[v])", .shapeMismatch) }
                drop.insert(v)
            }
        } else {
            drop = Set(x.shape.dims.indices.filter { x.shape[$0] == 1 })
        }
        let dims = x.shape.dims.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
        return .alias(of: 0, shape: Shape(dims), dtype: x.dtype)
    }

    static func unsqueeze(_ c: OpContext) throws(EngineError) -> OpPlan {
        let x = try c.input(0)
        guard let axes = try axesArgument(c) else { throw c.fail("missing axes") }
        let rank = x.shape.rank + axes.count
        var positions: Set<Int> = []
        for a in axes { positions.insert(try c.axis(a, rank: rank)) }
        guard positions.count == axes.count else { throw c.fail("repeated axes \(axes)") }
        var source = x.shape.dims.makeIterator()
        let dims = (0..<rank).map { positions.contains($0) ? 1 : source.next()! }
        return .alias(of: 0, shape: Shape(dims), dtype: x.dtype)
    }

    static func transpose(_ c: OpContext) throws(EngineError) -> OpPlan {
        let x = try c.input(0)
        let rank = x.shape.rank
        let perm = try c.ints("perm") ?? Array((0..<rank).reversed())
        guard perm.sorted() == Array(0..<rank) else { throw c.fail("perm \(perm) is not a permutation of 0..<\(rank)") }
        let outDims = perm.map { x.shape[$0] }
        let inStrides = x.shape.strides
        let srcStrides = perm.map { inStrides[$0] }
        let dstStrides = Shape(outDims).strides
        let size = x.dtype.size
        return OpPlan(outputs: [(Shape(outDims), x.dtype)]) { ins, outs, _ in
            let (rx, ro) = (ins[0]!, outs[0])
            return { ctx in
                StridedCopy.copy(dims: outDims, src: ctx.raw(rx), srcStrides: srcStrides, dst: ctx.raw(ro), dstStrides: dstStrides, elementSize: size)
            }
        }
    }

    static func concat(_ c: OpContext) throws(EngineError) -> OpPlan {
        let first = try c.input(0)
        let rank = first.shape.rank
        let axis = try c.axis(try c.int("axis", 0), rank: rank)
        var parts: [PlanValue] = []
        for i in c.inputs.indices { parts.append(try c.input(i)) }
        for p in parts {
            guard p.dtype == first.dtype, p.shape.rank == rank,
                (0..<rank).allSatisfy({ $0 == axis || p.shape[$0] == first.shape[$0] })
            else { throw c.fail("cannot concatenate \(p.shape) with \(first.shape) on axis \(axis)", .shapeMismatch) }
        }
        var joined = first.shape.dims
        joined[axis] = parts.reduce(0) { $0 + $1.shape[axis] }
        let outDims = joined
        let outStrides = Shape(outDims).strides
        let size = first.dtype.size
        let pieces = parts.map { $0.shape.dims }
        return OpPlan(outputs: [(Shape(outDims), first.dtype)]) { ins, outs, _ in
            let refs = ins.map { $0! }
            let ro = outs[0]
            return { ctx in
                var offset = 0
                for (dims, r) in zip(pieces, refs) {
                    StridedCopy.copy(
                        dims: dims, src: ctx.raw(r), srcStrides: Shape(dims).strides,
                        dst: ctx.raw(ro) + offset * outStrides[axis] * size, dstStrides: outStrides, elementSize: size)
                    offset += dims[axis]
                }
            }
        }
    }

    /// Slice (opset ≥ 10): starts, ends, axes, steps are constant inputs; clamped as ONNX says.
    static func slice(_ c: OpContext) throws(EngineError) -> OpPlan {
        let x = try c.input(0)
        let rank = x.shape.rank
        guard let starts = try c.constantInts(1), let ends = try c.constantInts(2) else { throw c.fail("missing starts or ends") }
        let axes = try c.constantInts(3) ?? Array(0..<starts.count)
        let steps = try c.constantInts(4) ?? Array(repeating: 1, count: starts.count)
        guard starts.count == ends.count, axes.count == starts.count, steps.count == starts.count else {
            throw c.fail("starts, ends, axes and steps differ in length")
        }
        var begin = [Int](repeating: 0, count: rank)
        var step = [Int](repeating: 1, count: rank)
        var outDims = x.shape.dims
        for i in starts.indices {
            let a = try c.axis(axes[i], rank: rank)
            let d = x.shape[a], s = steps[i]
            guard s != 0 else { throw c.fail("step 0") }
            func clamp(_ v: Int, _ lo: Int, _ hi: Int) -> Int { min(max(v, lo), hi) }
            var b = starts[i] < 0 ? starts[i] + d : starts[i]
            var e = ends[i] < 0 ? ends[i] + d : ends[i]
            if s > 0 {
                b = clamp(b, 0, d)
                e = clamp(e, 0, d)
                outDims[a] = e > b ? (e - b + s - 1) / s : 0
            } else {
                b = clamp(b, 0, d - 1)
                e = clamp(e, -1, d - 1)
                outDims[a] = b > e ? (b - e + (-s) - 1) / (-s) : 0
            }
            begin[a] = b
            step[a] = s
        }
        let inStrides = x.shape.strides
        let sliced = outDims
        let srcStrides = (0..<rank).map { inStrides[$0] * step[$0] }
        let startOffset = (0..<rank).reduce(0) { $0 + begin[$1] * inStrides[$1] }
        let dstStrides = Shape(sliced).strides
        let size = x.dtype.size
        return OpPlan(outputs: [(Shape(sliced), x.dtype)]) { ins, outs, _ in
            let (rx, ro) = (ins[0]!, outs[0])
            return { ctx in
                StridedCopy.copy(
                    dims: sliced, src: ctx.raw(rx) + startOffset * size, srcStrides: srcStrides, dst: ctx.raw(ro),
                    dstStrides: dstStrides, elementSize: size)
            }
        }
    }

    /// Shape (with opset-15 start/end): known at plan time for every input.
    static func shape(_ c: OpContext) throws(EngineError) -> OpPlan {
        let x = try c.input(0)
        let rank = x.shape.rank
        func norm(_ v: Int) -> Int { min(max(v < 0 ? v + rank : v, 0), rank) }
        let start = norm(try c.int("start", 0)), end = norm(try c.int("end", rank))
        let dims = start < end ? Array(x.shape.dims[start..<end]).map(Int64.init) : []
        var plan = OpPlan(outputs: [([dims.count], .int64)]) { _, outs, _ in
            let ro = outs[0]
            return { ctx in
                let p = ctx.raw(ro).assumingMemoryBound(to: Int64.self)
                for (i, d) in dims.enumerated() { p[i] = d }
            }
        }
        plan.dataIndependent = true
        return plan
    }

    static func cast(_ c: OpContext) throws(EngineError) -> OpPlan {
        let x = try c.input(0)
        let code = try c.int("to", 1)
        guard let to = DType(rawValue: Int32(code)), [.float32, .int64, .int32, .bool].contains(to),
            [.float32, .int64, .int32, .bool].contains(x.dtype)
        else { throw c.fail("cast from \(x.dtype) to type \(code) is not supported") }
        let n = x.shape.count
        let from = x.dtype
        return OpPlan(outputs: [(x.shape, to)]) { ins, outs, _ in
            let (rx, ro) = (ins[0]!, outs[0])
            return { ctx in CastKernel.cast(ctx.raw(rx), from: from, to: ctx.raw(ro), to: to, count: n) }
        }
    }
}
