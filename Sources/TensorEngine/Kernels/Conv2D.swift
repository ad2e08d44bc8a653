import CKilnKernels

/// A 2-D convolution (ONNX Conv, NCHW float32) built once at load from its weights, then
/// run any number of times, from any number of threads at once (it holds no mutable state).
///
/// Four paths, chosen at build time from the parameters:
/// - `pointwise` (1×1, stride 1, no padding): the input image already is the GEMM's B
///   matrix [C/g, H·W], so it is one packed-A GEMM per image and group, no im2col.
/// - `depthwise` (group == C == M): a direct kernel vectorised along output rows; 3×3 and
///   5×5 at stride 1 or 2 first copy each plane into a zero-bordered scratch plane
///   (`Conv2D+DepthwisePadded.swift`) so no output is computed outside SIMD blocks
///   (`Conv2D+Depthwise.swift`); im2col would turn 9 multiply-adds per output into a copy of
///   9 floats plus a degenerate 1-row GEMM.
/// - `direct` (group 1, at most 4 input channels: a CNN's first layer): a direct kernel over
///   zero-bordered copies of the planes, several output channels per loaded input vector
///   (`Conv2D+Direct.swift`).
/// - `im2col` (everything else): the input patches of a band of output rows are unfolded into
///   the workspace, then one GEMM per band and group (`Conv2D+Im2col.swift`).
///
/// GEMM paths run on Kiln's own micro-kernels (`GEMMKernel+Packed.swift`) with the filters
/// packed once here; the bias and a ReLU/clip are applied as each output tile is stored, any
/// other activation over each output block right after it is produced.
///
/// Threads: each GEMM is split across `threads` workers by output tiles when it is big
/// enough to pay (`GEMMKernel.split`); the im2col copy is split by rows. The depthwise path
/// splits its output rows over `threads`.
public struct Conv2DKernel: Sendable {
    /// Which algorithm runs (see the type's documentation).
    public enum Path: Sendable, Equatable {
        case pointwise, depthwise, direct, im2col
    }

    public let parameters: Conv2DParameters
    public let activation: Activation
    public let path: Path
    /// Depthwise: each channel's kH·kW taps padded to `depthwiseTapStride` floats so the
    /// 3×3 and 5×5 kernels can load them as one SIMD32 value. Direct: the filters packed by
    /// `packDirect`. Empty for the GEMM paths.
    let weights: [Float]
    /// GEMM paths: each group's filters [M/g, C/g·kH·kW] packed as the A operand.
    let packedGroups: [PackedOperand]
    /// One bias per output channel, zeros when the node has none (direct: padded to whole
    /// channel blocks).
    let bias: [Float]
    let hasBias: Bool

    /// Float count between two channels' taps in the depthwise packing.
    var depthwiseTapStride: Int {
        let taps = parameters.kernelHeight * parameters.kernelWidth
        return taps <= 32 ? 32 : taps
    }

    /// Builds the kernel, copying (and for depthwise re-laying out) the weights.
    /// - Parameters:
    ///   - weights: [M, C/group, kH, kW], `parameters.weightCount` floats.
    ///   - bias: [M] or nil.
    public init(
        parameters: Conv2DParameters, weights: UnsafeBufferPointer<Float>, bias: UnsafeBufferPointer<Float>?,
        activation: Activation = .none
    ) {
        precondition(weights.count == parameters.weightCount, "weight count does not match the conv parameters")
        precondition(bias.map { $0.count == parameters.outChannels } ?? true, "bias count must equal output channels")
        self.parameters = parameters
        self.activation = activation
        if parameters.isDepthwise {
            path = .depthwise
        } else if parameters.isPointwise {
            path = .pointwise
        } else if Conv2DKernel.takesDirectPath(parameters) {
            path = .direct
        } else {
            path = .im2col
        }
        if path == .depthwise {
            let taps = parameters.kernelHeight * parameters.kernelWidth
            let stride = taps <= 32 ? 32 : taps
            var packed = [Float](repeating: 0, count: parameters.outChannels * stride)
            for c in 0..<parameters.outChannels {
                for t in 0..<taps { packed[c * stride + t] = weights[c * taps + t] }
            }
            self.weights = packed
            packedGroups = []
        } else if path == .direct {
            let packed = Conv2DKernel.packDirect(parameters, weights: weights, bias: bias)
            self.weights = packed.weights
            packedGroups = []
            self.bias = packed.bias
            hasBias = bias != nil
            return
        } else {
            self.weights = []
            let (mg, k) = (parameters.outChannelsPerGroup, weights.count / parameters.outChannels)
            packedGroups = (0..<parameters.group).map { g in
                PackedOperand(side: .a, outer: mg, k: k, source: weights.baseAddress! + g * mg * k, outerStride: k, kStride: 1)
            }
        }
        self.bias = bias.map { Array($0) } ?? [Float](repeating: 0, count: parameters.outChannels)
        hasBias = bias != nil
    }

    /// Convenience for arrays (tests, the converter).
    public init(parameters: Conv2DParameters, weights: [Float], bias: [Float]?, activation: Activation = .none) {
        self = weights.withUnsafeBufferPointer { w in
            if let bias {
                return bias.withUnsafeBufferPointer { b in
                    Conv2DKernel(parameters: parameters, weights: w, bias: b, activation: activation)
                }
            }
            return Conv2DKernel(parameters: parameters, weights: w, bias: nil, activation: activation)
        }
    }

    /// Scratch floats `run` needs for this input size and thread count: for the GEMM paths one
    /// packing panel per worker, plus the im2col band (independent of `batch`: images run one
    /// after another); one padded plane per worker for the padded depthwise path.
    public func workspaceCount(batch: Int, height: Int, width: Int, threads: Int) -> Int {
        if usesPaddedDepthwise {
            let (rows, rowLength) = paddedPlaneLayout(height: height, width: width)
            return rows * rowLength * paddedDepthwiseWorkers(batch: batch, height: height, width: width, threads: threads)
        }
        guard path != .depthwise else { return 0 }
        if path == .direct {
            let (rows, rowLength) = directLayout(height: height, width: width)
            return parameters.inChannels * rows * rowLength
        }
        let panels = GEMMKernel.packedAWorkspaceCount(k: im2colRows, threads: threads)
        guard path == .im2col else { return panels }
        let out = parameters.outputSize(height: height, width: width)
        return panels + im2colRows * bandRows(outHeight: out.height, outWidth: out.width) * out.width
    }

    /// Computes output [batch, M, oH, oW] from input [batch, C, height, width].
    /// `workspace` must hold `workspaceCount(batch:height:width:threads:)` floats (nil when that is
    /// zero); input, output and workspace must not overlap.
    public func run(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int, height: Int, width: Int,
        workspace: UnsafeMutablePointer<Float>?, threads: Int
    ) {
        precondition(batch >= 0 && height >= 1 && width >= 1 && threads >= 1)
        guard batch > 0 else { return }
        switch path {
        case .pointwise:
            guard let workspace else { preconditionFailure("the pointwise path needs a workspace") }
            runPointwise(input: input, output: output, batch: batch, height: height, width: width, workspace: workspace, threads: threads)
        case .depthwise where usesPaddedDepthwise:
            guard let workspace else { preconditionFailure("the padded depthwise path needs a workspace") }
            runDepthwisePadded(input: input, output: output, batch: batch, height: height, width: width, workspace: workspace, threads: threads)
        case .direct:
            guard let workspace else { preconditionFailure("the direct path needs a workspace") }
            runDirect(input: input, output: output, batch: batch, height: height, width: width, workspace: workspace, threads: threads)
        case .depthwise:
            runDepthwise(input: input, output: output, batch: batch, height: height, width: width, threads: threads)
        case .im2col:
            guard let workspace else { preconditionFailure("the im2col path needs a workspace") }
            runIm2col(
                input: input, output: output, batch: batch, height: height, width: width, workspace: workspace,
                threads: threads)
        }
    }

    /// 1×1 stride 1: output[n, g] = W_g [M/g, C/g] × input[n, g] [C/g, H·W].
    private func runPointwise(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int, height: Int, width: Int,
        workspace: UnsafeMutablePointer<Float>, threads: Int
    ) {
        let p = parameters
        let hw = height * width
        let (cg, mg) = (p.inChannelsPerGroup, p.outChannelsPerGroup)
        for n in 0..<batch {
            for g in 0..<p.group {
                gemm(
                    group: g, b: input + (n * p.inChannels + g * cg) * hw, columns: hw,
                    c: output + (n * p.outChannels + g * mg) * hw, ldc: hw, workspace: workspace, threads: threads)
            }
        }
    }

    /// One group's filters × a B matrix [C/g·kH·kW, columns] (row-major, leading dimension
    /// `ldb`, `columns` when nil) into C rows of length `ldc`, with bias and activation.
    func gemm(
        group g: Int, b: UnsafePointer<Float>, ldb: Int? = nil, columns: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
        workspace: UnsafeMutablePointer<Float>, threads: Int
    ) {
        let mg = parameters.outChannelsPerGroup
        bias.withUnsafeBufferPointer { bias in
            let epilogue = kiln_gemm_epilogue.make(biasRow: hasBias ? bias.baseAddress! + g * mg : nil, activation: activation)
            GEMMKernel.packedA(
                packedGroups[g], b: b, ldb: ldb ?? columns, n: columns, c: c, ldc: ldc, epilogue: epilogue, workspace: workspace,
                threads: threads)
        }
        if !activation.fusesIntoGEMM {
            for r in 0..<mg { activation.apply(c + r * ldc, count: columns) }
        }
    }
}
