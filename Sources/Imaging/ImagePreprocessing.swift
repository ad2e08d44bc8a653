/// How a decoded image becomes a model input: channel count, size, resize mode and
/// per-channel normalisation. The output is FP32 in NCHW order (channel planes).
///
/// Steps, in the order of the Pillow reference (`ImageOps.exif_transpose`, `convert`,
/// `resize(…, Image.BILINEAR)`, `np.asarray(…) / 255`, `(x − mean) / std`):
/// 1. convert to `channels` (RGB → gray with BT.601 luma like Pillow's "L");
/// 2. resize: `.stretch` to exactly width × height, or `.shorterSideCrop`: scale so the
///    image covers width × height keeping its aspect ratio, then cut the centre;
/// 3. scale samples to [0, 1] (÷255, or ÷65535 for 16-bit PNGs) and apply
///    (x − mean[c]) / std[c].
public struct ImagePreprocessing: Equatable, Sendable {
    /// How the image is brought to the target size.
    public enum ResizeMode: String, Equatable, Sendable, CaseIterable {
        /// Resize to exactly width × height; the aspect ratio may change. The default.
        case stretch
        /// Resize so the shorter side meets the target, then centre-crop the longer one.
        case shorterSideCrop = "shorter_side_crop"
    }

    public var width: Int
    public var height: Int
    /// 1 (gray) or 3 (RGB).
    public var channels: Int
    /// Per-channel mean and standard deviation on the [0, 1] scale; one value each, or
    /// one per channel (a single value applies to every channel).
    public var mean: [Float]
    public var std: [Float]
    public var resize: ResizeMode

    /// Defaults leave samples in [0, 1]: mean 0, std 1, stretch.
    public init(
        width: Int, height: Int, channels: Int = 3, mean: [Float] = [0], std: [Float] = [1], resize: ResizeMode = .stretch
    ) {
        self.width = width
        self.height = height
        self.channels = channels
        self.mean = mean
        self.std = std
        self.resize = resize
    }

    /// Floats one preprocessed image fills: channels × height × width.
    public var elementCount: Int { channels * height * width }

    /// Throws `.invalidRequest` for a spec no image can satisfy.
    public func validate() throws(ImageError) {
        guard width > 0, height > 0, width <= 16384, height <= 16384 else {
            throw ImageError(.invalidRequest, "preprocessing size \(width)×\(height) must be 1…16384 on each side")
        }
        guard channels == 1 || channels == 3 else {
            throw ImageError(.invalidRequest, "preprocessing channels must be 1 or 3, not \(channels)")
        }
        for (name, values) in [("mean", mean), ("std", std)] where values.count != 1 && values.count != channels {
            throw ImageError(.invalidRequest, "\(name) has \(values.count) values; need 1 or \(channels)")
        }
        guard std.allSatisfy({ $0 != 0 && $0.isFinite }), mean.allSatisfy(\.isFinite) else {
            throw ImageError(.invalidRequest, "std must be finite and non-zero, mean finite")
        }
    }

    /// The resize size for a source, and the top-left corner of the crop taken from it.
    /// For `.shorterSideCrop` the scale is max(W/w, H/h), each side rounds half up and
    /// the crop offset is floor((resized − target) / 2), as in the Pillow reference.
    public func geometry(source: ImageSize) -> (resized: ImageSize, cropX: Int, cropY: Int) {
        switch resize {
        case .stretch:
            return (ImageSize(width: width, height: height), 0, 0)
        case .shorterSideCrop:
            let scale = max(Double(width) / Double(source.width), Double(height) / Double(source.height))
            let rw = max(width, Int((Double(source.width) * scale + 0.5).rounded(.down)))
            let rh = max(height, Int((Double(source.height) * scale + 0.5).rounded(.down)))
            return (ImageSize(width: rw, height: rh), (rw - width) / 2, (rh - height) / 2)
        }
    }

    func mean(_ c: Int) -> Float { mean.count == 1 ? mean[0] : mean[c] }
    func std(_ c: Int) -> Float { std.count == 1 ? std[0] : std[c] }
}
