import CKilnKernels

extension OpPlanner {
    /// Gemm: Y = alpha·op(A)·op(B) + beta·C (C broadcast to [M, N]), then a fused activation.
    static func gemm(_ c: OpContext) throws(EngineError) -> OpPlan {
        let a = try c.floatInput(0), b = try c.floatInput(1)
        guard a.shape.rank == 2, b.shape.rank == 2 else { throw c.fail("A and B must be 2-D, got \(a.shape) and \(b.shape)", .shapeMismatch) }
        let transA = try c.int("transA", 0) == 1, transB = try c.int("transB", 0) == 1
        let alpha = try c.float("alpha", 1), beta = try c.float("beta", 1)
        let m = transA ? a.shape[1] : a.shape[0], k = transA ? a.shape[0] : a.shape[1]
        let kb = transB ? b.shape[1] : b.shape[0], n = transB ? b.shape[0] : b.shape[1]
        guard k == kb else { throw c.fail("inner dimensions differ: A \(a.shape) B \(b.shape)", .shapeMismatch) }
        let activation = try fusedActivation(c)
        var biasPlan: Broadcast.Plan?
        if let bias = c.optionalInput(2), beta != 0 {
            guard bias.dtype == .float32, let dims = Broadcast.shape([bias.shape.dims, [m, n]]), dims == [m, n] else {
                throw c.fail("C of shape \(bias.shape) does not broadcast to [\(m), \(n)]", .shapeMismatch)
            }
            biasPlan = Broadcast.plan(output: [m, n], inputs: [bias.shape.dims, bias.shape.dims])
        }
        let lda = a.shape[1], ldb = b.shape[1]
        let bias = biasPlan
        if let weights = b.constant {
            // The usual case (a layer's weights): packed once here, alpha folded in.
            let packed = c.prepared.shared(c.preparedKey("gemm", weights: weights)) {
                weights.floats.withUnsafeBufferPointer {
                    PackedOperand(
                        side: .b, outer: n, k: k, source: $0.baseAddress!, outerStride: transB ? ldb : 1, kStride: transB ? 1 : ldb,
                        scale: alpha)
                }
            }
            // A bias of N values (the layer bias) is added by the GEMM's store; any other C is
            // broadcast into Y first and accumulated onto.
            let columnBias = bias != nil && beta == 1 && c.optionalInput(2).map { $0.shape.dims.last == n && $0.shape.dims.reduce(1, *) == n } == true
            var plan = OpPlan(outputs: [([m, n], .float32)]) { [threads = c.threads] ins, outs, _ in
                let (ra, ro, rc) = (ins[0]!, outs[0], ins.count > 2 ? ins[2] : nil)
                return { ctx in
                    let y = ctx.floats(ro)
                    var epilogue = kiln_gemm_epilogue.make(activation: activation)
                    if let bias, let rc {
                        if columnBias {
                            epilogue.bias_col = UnsafePointer(ctx.floats(rc))
                        } else {
                            fillBroadcast(ctx.floats(rc), bias, into: y, scale: beta)
                            epilogue.load_c = 1
                        }
                    }
                    GEMMKernel.packedB(
                        a: ctx.floats(ra), rs: transA ? 1 : lda, cs: transA ? lda : 1, m: m, packed, c: y, ldc: n,
                        epilogue: epilogue, threads: threads)
                    if !activation.fusesIntoGEMM { activation.apply(y, count: m * n) }
                }
            }
            plan.flops = OpPlan.saturatingProduct(2, m, n, k)
            return plan
        }
        var plan = OpPlan(outputs: [([m, n], .float32)]) { ins, outs, _ in
            let (ra, rb, ro, rc) = (ins[0]!, ins[1]!, outs[0], ins.count > 2 ? ins[2] : nil)
            return { ctx in
                let y = ctx.floats(ro)
                var gemmBeta: Float = 0
                if let bias, let rc {
                    // Broadcast beta·C into Y, then accumulate the product on top.
                    fillBroadcast(ctx.floats(rc), bias, into: y, scale: beta)
                    gemmBeta = 1
                }
                GEMMKernel.sgemm(
                    transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: ctx.floats(ra), lda: lda,
                    b: ctx.floats(rb), ldb: ldb, beta: gemmBeta, c: y, ldc: n)
                activation.apply(y, count: m * n)
            }
        }
        plan.flops = OpPlan.saturatingProduct(2, m, n, k)
        return plan
    }

    /// Writes scale·C broadcast over a coalesced plan into `out`.
    static func fillBroadcast(_ src: UnsafePointer<Float>, _ plan: Broadcast.Plan, into out: UnsafeMutablePointer<Float>, scale: Float) {
        let inner = plan.dims.last!, s = plan.strides[0].last!
        ElementwiseKernel.forEachRow(plan) { o, offsets in
            for i in 0..<inner { out[o + i] = scale * src[offsets[0] + i * s] }
        }
    }

    /// MatMul with NumPy semantics: 1-D operands promoted, leading dimensions broadcast.
    /// A 2-D right operand (a weight) turns the whole batch into one GEMM.
    static func matMul(_ c: OpContext) throws(EngineError) -> OpPlan {
        let a = try c.floatInput(0), b = try c.floatInput(1)
        guard a.shape.rank >= 1, b.shape.rank >= 1 else { throw c.fail("operands must have rank ≥ 1", .shapeMismatch) }
        let aDims = a.shape.rank == 1 ? [1, a.shape[0]] : a.shape.dims
        let bDims = b.shape.rank == 1 ? [b.shape[0], 1] : b.shape.dims
        let m = aDims[aDims.count - 2], k = aDims[aDims.count - 1]
        let kb = bDims[bDims.count - 2], n = bDims[bDims.count - 1]
        guard k == kb else { throw c.fail("inner dimensions differ: \(a.shape) × \(b.shape)", .shapeMismatch) }
        let aBatch = Array(aDims.dropLast(2)), bBatch = Array(bDims.dropLast(2))
        guard let batchDims = Broadcast.shape([aBatch, bBatch]) else {
            throw c.fail("batch dimensions of \(a.shape) and \(b.shape) do not broadcast", .shapeMismatch)
        }
        var outDims = batchDims + [m, n]
        if a.shape.rank == 1 { outDims.remove(at: outDims.count - 2) }
        if b.shape.rank == 1 { outDims.removeLast() }
        let outShape = Shape(outDims)
        if bBatch.allSatisfy({ $0 == 1 }) && aBatch == batchDims {
            // [..., M, K] × [K, N]: fold the batch into M.
            let rows = aBatch.reduce(1, *) * m
            if let weights = b.constant {
                // A weight: packed once here for Kiln's GEMM.
                let packed = c.prepared.shared(c.preparedKey("matmul", weights: weights)) {
                    weights.floats.withUnsafeBufferPointer {
                        PackedOperand(side: .b, outer: n, k: k, source: $0.baseAddress!, outerStride: 1, kStride: n)
                    }
                }
                var plan = OpPlan(outputs: [(outShape, .float32)]) { [threads = c.threads] ins, outs, _ in
                    let (ra, ro) = (ins[0]!, outs[0])
                    return { ctx in
                        GEMMKernel.packedB(
                            a: ctx.floats(ra), rs: k, cs: 1, m: rows, packed, c: ctx.floats(ro), ldc: n, epilogue: .make(),
                            threads: threads)
                    }
                }
                plan.flops = OpPlan.saturatingProduct(2, rows, n, k)
                return plan
            }
            var plan = OpPlan(outputs: [(outShape, .float32)]) { ins, outs, _ in
                let (ra, rb, ro) = (ins[0]!, ins[1]!, outs[0])
                return { ctx in
                    GEMMKernel.sgemm(
                        transA: false, transB: false, m: rows, n: n, k: k, alpha: 1, a: ctx.floats(ra), lda: k,
                        b: ctx.floats(rb), ldb: n, beta: 0, c: ctx.floats(ro), ldc: n)
                }
            }
            plan.flops = OpPlan.saturatingProduct(2, rows, n, k)
            return plan
        }
        let batchCount = batchDims.reduce(1, *)
        let plan = Broadcast.plan(output: batchDims.isEmpty ? [1] : batchDims, inputs: [aBatch.isEmpty ? [1] : aBatch, bBatch.isEmpty ? [1] : bBatch])
        let aOffsets = offsets(plan, 0, count: batchCount), bOffsets = offsets(plan, 1, count: batchCount)
        var batched = OpPlan(outputs: [(outShape, .float32)]) { ins, outs, _ in
            let (ra, rb, ro) = (ins[0]!, ins[1]!, outs[0])
            return { ctx in
                let pa = ctx.floats(ra), pb = ctx.floats(rb), po = ctx.floats(ro)
                for i in 0..<batchCount {
                    GEMMKernel.sgemm(
                        transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: pa + aOffsets[i] * m * k, lda: k,
                        b: pb + bOffsets[i] * k * n, ldb: n, beta: 0, c: po + i * m * n, ldc: n)
                }
            }
        }
        batched.flops = OpPlan.saturatingProduct(2, batchCount, m, n, k)
        return batched
    }

    /// The matrix index (in units of whole matrices) of operand `k` for each batch position.
    private static func offsets(_ plan: Broadcast.Plan, _ k: Int, count: Int) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(count)
        let inner = plan.dims.last!, s = plan.strides[k].last!
        ElementwiseKernel.forEachRow(plan) { _, offsets in
            for i in 0..<inner { result.append(offsets[k] + i * s) }
        }
        return result
    }
}
