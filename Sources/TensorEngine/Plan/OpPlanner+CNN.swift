extension OpPlanner {
    /// Resolves ONNX's pads / auto_pad for a 2-D window op into explicit pads and output size.
    private static func window2D(
        _ c: OpContext, height: Int, width: Int, kernel: (Int, Int), strides: (Int, Int), dilations: (Int, Int), ceil: Bool = false
    ) throws(EngineError) -> (pads: (Int, Int, Int, Int), out: (Int, Int)) {
        let pads = try c.ints("pads") ?? [0, 0, 0, 0]
        guard pads.count == 4, pads.allSatisfy({ $0 >= 0 }) else { throw c.fail("pads must be 4 non-negative values for 2-D, got \(pads)") }
        // Attributes come from the model file: held to the file's dimension cap, the window
        // arithmetic (dilation × (kernel − 1) + 1, size + pads) cannot overflow.
        let extents = pads + [kernel.0, kernel.1, strides.0, strides.1, dilations.0, dilations.1]
        guard extents.allSatisfy({ $0 <= KilnLimits.maxDimension }) else {
            throw c.fail("kernel \(kernel), strides \(strides), dilations \(dilations) and pads \(pads) must each be at most \(KilnLimits.maxDimension)")
        }
        let mode = try c.string("auto_pad", "NOTSET")
        guard let auto = AutoPad(rawValue: mode) else { throw c.fail("unknown auto_pad '\(mode)'") }
        guard let h = auto.resolve(size: height, kernel: kernel.0, stride: strides.0, dilation: dilations.0, padBegin: pads[0], padEnd: pads[2], ceilMode: ceil),
            let w = auto.resolve(size: width, kernel: kernel.1, stride: strides.1, dilation: dilations.1, padBegin: pads[1], padEnd: pads[3], ceilMode: ceil),
            h.output >= 1, w.output >= 1
        else { throw c.fail("window \(kernel) with strides \(strides) does not fit a \(height)×\(width) input", .shapeMismatch) }
        return ((h.padBegin, w.padBegin, h.padEnd, w.padEnd), (h.output, w.output))
    }

    private static func pair(_ c: OpContext, _ name: String, _ fallback: (Int, Int)) throws(EngineError) -> (Int, Int) {
        guard let v = try c.ints(name) else { return fallback }
        guard v.count == 2, v.allSatisfy({ $0 >= 1 }) else { throw c.fail("\(name) must be two positive values for 2-D, got \(v)") }
        return (v[0], v[1])
    }

    /// Conv (2-D, NCHW): weights and bias must be constants; they are packed once here.
    /// A Conv node's kernel, built (or shared) for its input shape.
    struct ConvSetup {
        let kernel: Conv2DKernel
        let batch: Int, height: Int, width: Int
        let output: Shape
        let flops: Int
    }

    static func convSetup(_ c: OpContext) throws(EngineError) -> ConvSetup {
        let x = try c.floatInput(0), w = try c.floatInput(1)
        guard x.shape.rank == 4, w.shape.rank == 4 else { throw c.fail("only 2-D convolution (rank-4 input and weight) is supported", .shapeMismatch) }
        guard let weights = w.constant else { throw c.fail("weights must be constant", .invalidGraph) }
        let group = try c.int("group", 1)
        let (n, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let outChannels = w.shape[0]
        guard group >= 1, channels % group == 0, outChannels % group == 0, w.shape[1] * group == channels else {
            throw c.fail("weight \(w.shape) does not match input \(x.shape) with group \(group)", .shapeMismatch)
        }
        let kernel = (w.shape[2], w.shape[3])
        if let ks = try c.ints("kernel_shape"), ks != [kernel.0, kernel.1] { throw c.fail("kernel_shape \(ks) disagrees with weight \(w.shape)") }
        let strides = try pair(c, "strides", (1, 1)), dilations = try pair(c, "dilations", (1, 1))
        let (pads, out) = try window2D(c, height: height, width: width, kernel: kernel, strides: strides, dilations: dilations)
        var bias: [Float]?
        if let b = c.optionalInput(2) {
            guard let t = b.constant, t.count == outChannels else { throw c.fail("bias must be a constant of \(outChannels) values", .invalidGraph) }
            bias = t.floats
        }
        let parameters = Conv2DParameters(
            inChannels: channels, outChannels: outChannels, kernel: kernel, strides: strides, pads: pads, dilations: dilations, group: group)
        let activation = try fusedActivation(c)
        let kernelImpl = c.prepared.shared(c.preparedKey("conv", weights: weights)) {
            Conv2DKernel(parameters: parameters, weights: weights.floats, bias: bias, activation: activation)
        }
        return ConvSetup(
            kernel: kernelImpl, batch: n, height: height, width: width, output: Shape([n, outChannels, out.0, out.1]),
            flops: parameters.flops(batch: n, height: height, width: width))
    }

    static func conv(_ c: OpContext) throws(EngineError) -> OpPlan {
        let setup = try convSetup(c)
        let (kernelImpl, n, height, width) = (setup.kernel, setup.batch, setup.height, setup.width)
        let threads = c.threads
        var plan = OpPlan(
            outputs: [(setup.output, .float32)],
            workspaceBytes: kernelImpl.workspaceCount(batch: n, height: height, width: width, threads: c.threads) * 4
        ) { ins, outs, workspace in
            let (rx, ro) = (ins[0]!, outs[0])
            return { ctx in
                kernelImpl.run(
                    input: ctx.floats(rx), output: ctx.floats(ro), batch: n, height: height, width: width,
                    workspace: workspace.map { ctx.floats($0) }, threads: threads)
            }
        }
        plan.flops = setup.flops
        return plan
    }

    /// A pointwise Conv (`expand`) whose output only the depthwise Conv `depthwise` reads, as
    /// one step (`ExpandDepthwiseKernel`); nil when the pair does not fuse or it would not pay.
    static func expandDepthwise(_ expand: OpContext, _ depthwise: (PlanValue) -> OpContext) throws(EngineError) -> OpPlan? {
        let first = try convSetup(expand)
        // Only a large enough expansion pays: the reader's kernel is not built otherwise.
        guard ExpandDepthwiseKernel.pays(expand: first.kernel, height: first.height, width: first.width) else { return nil }
        let second = try convSetup(depthwise(PlanValue(shape: first.output, dtype: .float32, constant: nil)))
        guard ExpandDepthwiseKernel.canFuse(expand: first.kernel, depthwise: second.kernel) else { return nil }
        let fused = ExpandDepthwiseKernel(expand: first.kernel, depthwise: second.kernel)
        let (n, height, width, threads) = (first.batch, first.height, first.width, expand.threads)
        var plan = OpPlan(
            outputs: [(second.output, .float32)],
            workspaceBytes: fused.workspaceCount(batch: n, height: height, width: width, threads: threads) * 4
        ) { ins, outs, workspace in
            let (rx, ro, rw) = (ins[0]!, outs[0], workspace!)
            return { ctx in
                fused.run(
                    input: ctx.floats(rx), output: ctx.floats(ro), batch: n, height: height, width: width,
                    workspace: ctx.floats(rw), threads: threads)
            }
        }
        plan.flops = first.flops.addingReportingOverflow(second.flops).overflow ? .max : first.flops + second.flops
        return plan
    }

    static func pool(_ c: OpContext, max isMax: Bool) throws(EngineError) -> OpPlan {
        let x = try c.floatInput(0)
        guard x.shape.rank == 4 else { throw c.fail("only 2-D pooling (rank-4 input) is supported", .shapeMismatch) }
        let (n, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        guard let ks = try c.ints("kernel_shape"), ks.count == 2, ks.allSatisfy({ $0 >= 1 }) else { throw c.fail("kernel_shape must be two positive values") }
        let strides = try pair(c, "strides", (1, 1)), dilations = try pair(c, "dilations", (1, 1))
        let ceil = try c.int("ceil_mode", 0) == 1
        guard c.node.outputs.count < 2 || c.node.outputs[1].isEmpty else { throw c.fail("the Indices output of MaxPool is not supported") }
        let (pads, out) = try window2D(c, height: height, width: width, kernel: (ks[0], ks[1]), strides: strides, dilations: dilations, ceil: ceil)
        let parameters = Pool2DParameters(kernel: (ks[0], ks[1]), strides: strides, pads: pads, dilations: dilations, ceilMode: ceil)
        guard let size = parameters.outputSizeIfValid(height: height, width: width), size == out else {
            throw c.fail("pooling window does not fit a \(height)×\(width) input", .shapeMismatch)
        }
        let includePad = try c.int("count_include_pad", 0) == 1
        let threads = c.threads
        return OpPlan(outputs: [([n, channels, out.0, out.1], .float32)]) { ins, outs, _ in
            let (rx, ro) = (ins[0]!, outs[0])
            return { ctx in
                if isMax {
                    PoolKernel.maxPool(
                        input: ctx.floats(rx), output: ctx.floats(ro), batch: n, channels: channels, height: height, width: width,
                        parameters: parameters, threads: threads)
                } else {
                    PoolKernel.averagePool(
                        input: ctx.floats(rx), output: ctx.floats(ro), batch: n, channels: channels, height: height, width: width,
                        parameters: parameters, countIncludePad: includePad, threads: threads)
                }
            }
        }
    }

    static func globalAveragePool(_ c: OpContext) throws(EngineError) -> OpPlan {
        let x = try c.floatInput(0)
        guard x.shape.rank >= 3 else { throw c.fail("input must have rank ≥ 3", .shapeMismatch) }
        let (n, channels) = (x.shape[0], x.shape[1])
        let spatial = x.shape.dims.dropFirst(2).reduce(1, *)
        let threads = c.threads
        return OpPlan(outputs: [(Shape([n, channels] + Array(repeating: 1, count: x.shape.rank - 2)), .float32)]) { ins, outs, _ in
            let (rx, ro) = (ins[0]!, outs[0])
            return { ctx in
                PoolKernel.globalAveragePool(input: ctx.floats(rx), output: ctx.floats(ro), batch: n, channels: channels, spatial: spatial, threads: threads)
            }
        }
    }

    /// BatchNormalization left standing (not after a Conv/Gemm): a per-channel affine map.
    static func batchNormalization(_ c: OpContext) throws(EngineError) -> OpPlan {
        let x = try c.floatInput(0)
        guard x.shape.rank >= 2 else { throw c.fail("input must have rank ≥ 2", .shapeMismatch) }
        var params: [[Float]] = []
        for i in 1...4 {
            guard let t = try c.input(i).constant, t.count == x.shape[1], t.dtype == .float32 else {
                throw c.fail("input \(i) must be a constant of \(x.shape[1]) values", .invalidGraph)
            }
            params.append(t.floats)
        }
        guard c.node.outputs.dropFirst().allSatisfy({ $0.isEmpty }) else { throw c.fail("training-mode outputs are not supported") }
        let (a, b) = BatchNormKernel.coefficients(scale: params[0], bias: params[1], mean: params[2], variance: params[3], epsilon: try c.float("epsilon", 1e-5))
        let (n, channels) = (x.shape[0], x.shape[1])
        let spatial = x.shape.dims.dropFirst(2).reduce(1, *)
        let threads = c.threads
        return OpPlan(outputs: [(x.shape, .float32)]) { ins, outs, _ in
            let (rx, ro) = (ins[0]!, outs[0])
            return { ctx in
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        BatchNormKernel.run(
                            input: ctx.floats(rx), output: ctx.floats(ro), batch: n, channels: channels, spatial: spatial,
                            a: pa.baseAddress!, b: pb.baseAddress!, threads: threads)
                    }
                }
            }
        }
    }
}
