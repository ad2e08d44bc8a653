/// The static description of a 2-D MaxPool or AveragePool with ONNX semantics over
/// NCHW input: kernel, strides, explicit pads (top, left, bottom, right; `AutoPad.resolve`
/// turns `auto_pad` into them), dilations and `ceil_mode`.
public struct Pool2DParameters: Sendable, Equatable {
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
    /// Output size rounded up instead of down: the last window may hang past the end
    /// padding (those positions are ignored), but never starts inside it.
    public var ceilMode: Bool

    public init(
        kernel: (height: Int, width: Int), strides: (height: Int, width: Int) = (1, 1),
        pads: (top: Int, left: Int, bottom: Int, right: Int) = (0, 0, 0, 0),
        dilations: (height: Int, width: Int) = (1, 1), ceilMode: Bool = false
    ) {
        precondition(kernel.height >= 1 && kernel.width >= 1 && strides.height >= 1 && strides.width >= 1)
        precondition(dilations.height >= 1 && dilations.width >= 1)
        precondition(pads.top >= 0 && pads.left >= 0 && pads.bottom >= 0 && pads.right >= 0)
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
        self.ceilMode = ceilMode
    }

    /// Output height and width, or nil when the dilated window exceeds the padded input.
    public func outputSizeIfValid(height: Int, width: Int) -> (height: Int, width: Int)? {
        guard
            let oh = AutoPad.outputLength(
                size: height, span: dilationHeight * (kernelHeight - 1) + 1, stride: strideHeight,
                padBegin: padTop, padEnd: padBottom, ceilMode: ceilMode),
            let ow = AutoPad.outputLength(
                size: width, span: dilationWidth * (kernelWidth - 1) + 1, stride: strideWidth,
                padBegin: padLeft, padEnd: padRight, ceilMode: ceilMode)
        else { return nil }
        return (oh, ow)
    }

    /// Output height and width; the planner has checked the window fits.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        guard let size = outputSizeIfValid(height: height, width: width) else {
            preconditionFailure("pool window larger than the padded input")
        }
        return size
    }
}
