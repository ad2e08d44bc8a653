/// A pointwise (1×1) convolution whose only consumer is a 3×3/5×5 depthwise convolution,
/// run together band by band: MobileNetV2's inverted residual block, where the expansion
/// writes six times the block's channels at full resolution and the depthwise layer reads
/// them back once.
///
/// Why: unfused, the expanded tensor (2.4 MB per image for MobileNetV2 ×0.5 at 112×112,
/// 4.8 MB at ×1.0) is written out past the core's L2 cache and read back from memory; its
/// depthwise layer then runs at memory speed (17 GFLOP/s against 44 on a tensor that fits).
/// Here each band of output rows needs only a band of expanded rows (a few hundred KB for
/// all channels), computed just before the depthwise taps read it. Rows shared by two
/// consecutive bands are kept, not recomputed, so the multiply-adds are those of the two
/// layers alone.
///
/// The per-worker workspace holds the band of expanded rows [M][span][W], one zero-bordered
/// plane for the depthwise taps (as the padded depthwise path uses) and the GEMM's packing
/// panel. Results equal the two kernels run one after the other: the same GEMM per element
/// (rows are independent), the same taps in the same order.
public struct ExpandDepthwiseKernel: Sendable {
    public let expand: Conv2DKernel
    public let depthwise: Conv2DKernel

    /// Bytes of expanded rows a band may hold (tests make it small to get many bands).
    public let bandBytes: Int

    /// With the depthwise plane and the input rows, well inside one core's L2 cache (1–2 MB
    /// on current x86 server cores).
    public static let defaultBandBytes = 384 * 1024

    /// Smallest expanded tensor (bytes per image) worth fusing: smaller ones stay in L2
    /// between the two layers anyway.
    public static let minimumExpandedBytes = 2 << 20

    public init(expand: Conv2DKernel, depthwise: Conv2DKernel, bandBytes: Int = ExpandDepthwiseKernel.defaultBandBytes) {
        precondition(ExpandDepthwiseKernel.canFuse(expand: expand, depthwise: depthwise))
        self.expand = expand
        self.depthwise = depthwise
        self.bandBytes = bandBytes
    }

    /// Whether the pair has the shapes this kernel handles.
    public static func canFuse(expand: Conv2DKernel, depthwise: Conv2DKernel) -> Bool {
        expand.path == .pointwise && expand.parameters.group == 1 && depthwise.usesPaddedDepthwise
            && depthwise.parameters.inChannels == expand.parameters.outChannels
    }

    /// Whether fusing pays for an input of `height`×`width` (see `minimumExpandedBytes`).
    public static func pays(expand: Conv2DKernel, height: Int, width: Int) -> Bool {
        expand.parameters.outChannels * height * width * 4 >= minimumExpandedBytes
    }

    /// Output rows per band, and the expanded rows (`span`) such a band reads.
    func bandLayout(height: Int, width: Int) -> (rows: Int, span: Int) {
        let p = depthwise.parameters
        let (k, s) = (p.kernelHeight, p.strideHeight)
        let oH = p.outputSize(height: height, width: width).height
        let fit = bandBytes / 4 / max(1, expand.parameters.outChannels * width)
        let rows = max(1, min(oH, (fit - k) / s + 1))
        return (rows, (rows - 1) * s + k)
    }

    /// Workers for `batch` images: bands are the unit of work.
    func workers(batch: Int, height: Int, width: Int, threads: Int) -> Int {
        let oH = depthwise.parameters.outputSize(height: height, width: width).height
        let rows = bandLayout(height: height, width: width).rows
        return KernelThreads.workerCount(count: batch * ((oH + rows - 1) / rows), threads: threads)
    }

    /// Floats of one worker's workspace (band, depthwise plane, GEMM panel).
    func workerFloats(height: Int, width: Int) -> Int {
        let span = bandLayout(height: height, width: width).span
        let rowLength = depthwise.paddedPlaneLayout(height: height, width: width).rowLength
        let panel = GEMMKernel.packedAWorkspaceCount(k: expand.parameters.inChannels, threads: 1)
        return expand.parameters.outChannels * span * width + span * rowLength + panel
    }

    /// Scratch floats `run` needs.
    public func workspaceCount(batch: Int, height: Int, width: Int, threads: Int) -> Int {
        workerFloats(height: height, width: width) * workers(batch: batch, height: height, width: width, threads: threads)
    }
}
