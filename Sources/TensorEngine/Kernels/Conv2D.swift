import COpenBLAS

/// A 2-D convolution (ONNX Conv, NCHW float32) built once at load from its weights, then
/// run any number of times, from any number of threads at once (it holds no mutable state).
///
/// Three paths, chosen at build time from the parameters:
/// - `pointwise` (1×1, stride 1, no padding): the input image already is the GEMM's B
///   matrix [C/g, H·W], so it is one `cblas_sgemm` per image and group, no workspace.
/// - `depthwise` (group == C == M): a direct kernel vectorised along output rows; 3×3 and
///   5×5 at stride 1 or 2 first copy each plane into a zero-bordered scratch plane
///   (`Conv2D+DepthwisePadded.swift`) so no output is computed outside SIMD blocks
///   (`Conv2D+Depthwise.swift`); im2col would turn 9 multiply-adds per output into a copy of
///   9 floats plus a degenerate 1-row GEMM.
/// - `im2col` (everything else): the input patches of a band of output rows are unfolded into
///   the workspace, then one sgemm per band and group (`Conv2D+Im2col.swift`).
///
/// GEMM paths: the bias is written into C before the sgemm (beta = 1, replacing OpenBLAS's
/// own zeroing pass) and the fused activation is applied over each output block right after
/// it is produced, while it is still in cache.
///
/// Threads: the GEMM paths run images, groups and bands in sequence and let OpenBLAS
/// parallelise each sgemm with the thread count the engine set (`threads` only splits the
/// im2col copy). Splitting images across `concurrentPerform` instead would need one im2col
/// buffer per thread, and would call
/// a multi-threaded OpenBLAS from two threads at once, oversubscribing the cores; the engine
/// chooses one or two BLAS threads per operator instead. The depthwise path splits its
/// output rows over `threads`.
public struct Conv2DKernel: Sendable {
    /// Which algorithm runs (see the type's documentation).
    public enum Path: Sendable, Equatable {
        case pointwise, depthwise, im2col
    }

    public let parameters: Conv2DParameters
    public let activation: Activation
    public let path: Path
    /// GEMM paths: the ONNX layout [M, C/g·kH·kW], which already is the row-major A matrix of
    /// each group (OpenBLAS has no public pre-packing API, so an owned copy is all there is to
    /// pack). Depthwise: each channel's kH·kW taps padded to `depthwiseTapStride` floats so the
    /// 3×3 and 5×5 kernels can load them as one SIMD32 value.
    let weights: [Float]
    /// One bias per output channel, zeros when the node has none.
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
        } else {
            self.weights = Array(weights)
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

    /// Scratch floats `run` needs for this input size and thread count: the im2col band
    /// (independent of `batch` and `threads`: images run one after another), one padded plane
    /// per worker for the padded depthwise path, zero for the others.
    public func workspaceCount(batch: Int, height: Int, width: Int, threads: Int) -> Int {
        if usesPaddedDepthwise {
            let (rows, rowLength) = paddedPlaneLayout(height: height, width: width)
            return rows * rowLength * paddedDepthwiseWorkers(batch: batch, height: height, width: width, threads: threads)
        }
        guard path == .im2col else { return 0 }
        let out = parameters.outputSize(height: height, width: width)
        return im2colRows * bandRows(outHeight: out.height, outWidth: out.width) * out.width
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
            runPointwise(input: input, output: output, batch: batch, height: height, width: width)
        case .depthwise where usesPaddedDepthwise:
            guard let workspace else { preconditionFailure("the padded depthwise path needs a workspace") }
            runDepthwisePadded(input: input, output: output, batch: batch, height: height, width: width, workspace: workspace, threads: threads)
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
    private func runPointwise(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int, height: Int, width: Int) {
        let p = parameters
        let hw = height * width
        let (cg, mg) = (p.inChannelsPerGroup, p.outChannelsPerGroup)
        weights.withUnsafeBufferPointer { w in
            for n in 0..<batch {
                for g in 0..<p.group {
                    let a = w.baseAddress! + g * mg * cg
                    let b = input + (n * p.inChannels + g * cg) * hw
                    let c = output + (n * p.outChannels + g * mg) * hw
                    let beta = prologue(c, rows: mg, columns: hw, leadingDimension: hw, firstChannel: g * mg)
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(mg), Int32(hw), Int32(cg),
                        1, a, Int32(cg), b, Int32(hw), beta, c, Int32(hw))
                    epilogue(c, rows: mg, columns: hw, leadingDimension: hw)
                }
            }
        }
    }

    /// Before a GEMM: writes each output channel's bias into its block of C and returns the
    /// sgemm beta (1 to add the product to it, 0 without a bias). With beta = 0 OpenBLAS
    /// zeroes C in a pass of its own first, so the bias costs no extra pass over the output
    /// and the epilogue is left with the activation alone (nothing for linear layers).
    func prologue(_ c: UnsafeMutablePointer<Float>, rows: Int, columns: Int, leadingDimension: Int, firstChannel: Int) -> Float {
        guard hasBias else { return 0 }
        for r in 0..<rows {
            (c + r * leadingDimension).update(repeating: bias[firstChannel + r], count: columns)
        }
        return 1
    }

    /// After a GEMM: the activation over a block of `rows` output channels.
    func epilogue(_ c: UnsafeMutablePointer<Float>, rows: Int, columns: Int, leadingDimension: Int) {
        if activation == .none { return }
        for r in 0..<rows {
            activation.apply(c + r * leadingDimension, count: columns)
        }
    }
}
