/// ONNX `auto_pad`: how the padding of a Conv or pool is derived. The planner resolves it
/// into explicit pads once (`resolve`), so the kernels only ever see explicit pads.
public enum AutoPad: String, Sendable, Equatable, CaseIterable {
    case notSet = "NOTSET"
    case sameUpper = "SAME_UPPER"
    case sameLower = "SAME_LOWER"
    case valid = "VALID"

    /// Resolves one spatial axis: the pads before and after and the output length.
    ///
    /// - `notSet`: the explicit pads; output `floor((size + pads − span) / stride) + 1`
    ///   (with `ceilMode`, `ceil` instead, dropping a last window that would start in the
    ///   end padding — ONNX's and PyTorch's rule).
    /// - `valid`: no padding; output `ceil((size − span + 1) / stride)`.
    /// - `sameUpper` / `sameLower`: output `ceil(size / stride)`; the total padding needed
    ///   is split evenly, the odd element going to the end (upper) or the beginning (lower).
    ///
    /// `span` is the dilated kernel extent `dilation·(kernel − 1) + 1`. Returns nil when the
    /// window does not fit (output length < 1), for the planner to report.
    public func resolve(
        size: Int, kernel: Int, stride: Int, dilation: Int,
        padBegin: Int = 0, padEnd: Int = 0, ceilMode: Bool = false
    ) -> (padBegin: Int, padEnd: Int, output: Int)? {
        precondition(size >= 0 && kernel >= 1 && stride >= 1 && dilation >= 1 && padBegin >= 0 && padEnd >= 0)
        let span = dilation * (kernel - 1) + 1
        switch self {
        case .notSet:
            guard let out = AutoPad.outputLength(
                size: size, span: span, stride: stride, padBegin: padBegin, padEnd: padEnd, ceilMode: ceilMode)
            else { return nil }
            return (padBegin, padEnd, out)
        case .valid:
            guard size >= span else { return nil }
            return (0, 0, (size - span) / stride + 1)
        case .sameUpper, .sameLower:
            let out = (size + stride - 1) / stride
            guard out >= 1 else { return nil }
            let total = max(0, (out - 1) * stride + span - size)
            let small = total / 2
            return self == .sameUpper ? (small, total - small, out) : (total - small, small, out)
        }
    }

    /// Output length for explicit pads; nil when not even one window fits.
    static func outputLength(size: Int, span: Int, stride: Int, padBegin: Int, padEnd: Int, ceilMode: Bool) -> Int? {
        let padded = size + padBegin + padEnd
        guard padded >= span else { return nil }
        var out = (padded - span) / stride + 1
        if ceilMode && (padded - span) % stride != 0 {
            out += 1
            // A window that starts past the input and its begin padding would only see end
            // padding: ONNX (since the reference fix) and PyTorch drop it.
            if (out - 1) * stride >= size + padBegin { out -= 1 }
        }
        return out
    }
}

/// The static description of a 2-D convolution with ONNX semantics: input [N, C, H, W],
/// weight [M, C/group, kH, kW], output [N, M, oH, oW]. Pads are explicit (top, left,
/// bottom, right); `AutoPad.resolve` turns `auto_pad` into them.
public struct Conv2DParameters: Sendable, Equatable {
    public var inChannels: Int
    public var outChannels: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideHeight: Int
    public var strideWidth: Int
    public var padTop: Int
    public var padLeft: Int
    public var padBottom: Int
    public var padRight: Int
    public var dilationHeight: Int
    public var dilationWidth: Int
    public var group: Int

    public init(
        inChannels: Int, outChannels: Int, kernel: (height: Int, width: Int),
        strides: (height: Int, width: Int) = (1, 1),
        pads: (top: Int, left: Int, bottom: Int, right: Int) = (0, 0, 0, 0),
        dilations: (height: Int, width: Int) = (1, 1), group: Int = 1
    ) {
        precondition(group >= 1 && inChannels % group == 0 && outChannels % group == 0, "channels must divide by group")
        precondition(kernel.height >= 1 && kernel.width >= 1 && strides.height >= 1 && strides.width >= 1)
        precondition(dilations.height >= 1 && dilations.width >= 1)
        precondition(pads.top >= 0 && pads.left >= 0 && pads.bottom >= 0 && pads.right >= 0)
        self.inChannels = inChannels
        self.outChannels = outChannels
        kernelHeight = kernel.height
        kernelWidth = kernel.width
        strideHeight = strides.height
        strideWidth = strides.width
        padTop = pads.top
        padLeft = pads.left
        padBottom = pads.bottom
        padRight = pads.right
        dilationHeight = dilations.height
        dilationWidth = dilations.width
        self.group = group
    }

    public var inChannelsPerGroup: Int { inChannels / group }
    public var outChannelsPerGroup: Int { outChannels / group }
    /// Weight element count: M · C/group · kH · kW.
    public var weightCount: Int { outChannels * inChannelsPerGroup * kernelHeight * kernelWidth }

    /// True for group == C == M: one filter per channel (depth multiplier 1). This includes
    /// a single-channel conv (C == M == 1), for which the direct kernel beats a 1-row GEMM.
    public var isDepthwise: Bool { group == inChannels && group == outChannels }

    /// True for a 1×1 kernel, stride 1 and no padding: the conv is a plain matrix product
    /// of the weights with the input image, no im2col needed (dilation is irrelevant).
    public var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideHeight == 1 && strideWidth == 1
            && padTop == 0 && padLeft == 0 && padBottom == 0 && padRight == 0
    }

    /// Output height and width for an input of `height` × `width`; the planner has checked
    /// that at least one window fits (`outputSizeIfValid` tells).
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        guard let size = outputSizeIfValid(height: height, width: width) else {
            preconditionFailure("conv window larger than the padded input")
        }
        return size
    }

    /// Output height and width, or nil when the dilated kernel exceeds the padded input.
    public func outputSizeIfValid(height: Int, width: Int) -> (height: Int, width: Int)? {
        guard
            let oh = AutoPad.outputLength(
                size: height, span: dilationHeight * (kernelHeight - 1) + 1, stride: strideHeight,
                padBegin: padTop, padEnd: padBottom, ceilMode: false),
            let ow = AutoPad.outputLength(
                size: width, span: dilationWidth * (kernelWidth - 1) + 1, stride: strideWidth,
                padBegin: padLeft, padEnd: padRight, ceilMode: false)
        else { return nil }
        return (oh, ow)
    }

    /// Multiply-adds × 2 for one forward pass over `batch` images (for `kiln inspect`).
    public func flops(batch: Int, height: Int, width: Int) -> Int {
        let o = outputSize(height: height, width: width)
        return OpPlan.saturatingProduct(2, batch, outChannels, o.height, o.width, inChannelsPerGroup, kernelHeight, kernelWidth)
    }
}
