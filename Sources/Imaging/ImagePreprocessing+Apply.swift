import TensorEngine

/// Running a preprocessing spec: bytes or a decoded image in, NCHW floats out.
extension ImagePreprocessing {
    /// Decodes `bytes` and writes `elementCount` floats (C planes of H×W) at `destination`,
    /// which may be one row of a batch tensor. Large JPEGs use the scaled IDCT unless
    /// `scaledDecode` is false (set it to reproduce a full decode + resize bit for bit).
    public func process(
        _ bytes: [UInt8], limits: ImageLimits = ImageLimits(),
        alphaBackground: DecodeOptions.AlphaBackground = .white, scaledDecode: Bool = true,
        into destination: UnsafeMutablePointer<Float>
    ) throws(ImageError) {
        try validate()
        // Both resize modes need a decoded image at least the target size on each axis to
        // avoid upscaling (for the crop: max(W/w, H/h) ≤ 1 ⇔ w ≥ W and h ≥ H).
        let minimum = scaledDecode ? ImageSize(width: width, height: height) : nil
        let options = DecodeOptions(alphaBackground: alphaBackground, minimumSize: minimum)
        let image = try ImageDecoder.decode(bytes, limits: limits, options: options)
        try checkIntermediate(source: ImageSize(width: image.width, height: image.height), limits: limits)
        process(image, into: destination)
    }

    /// `.shorterSideCrop` resizes the whole image before cutting the centre, so a 20000×1
    /// strip aimed at 224×224 would first become 4 480 000×224 (3 GB of RGB). That resized
    /// image is held to `limits.maxPixels` like a decoded one (413). `.stretch` resizes to
    /// the target itself, which the spec already bounds.
    func checkIntermediate(source: ImageSize, limits: ImageLimits) throws(ImageError) {
        let (resized, _, _) = geometry(source: source)
        guard resized.width != width || resized.height != height else { return }
        let (pixels, overflow) = resized.width.multipliedReportingOverflow(by: resized.height)
        guard !overflow, pixels <= limits.maxPixels else {
            throw ImageError(
                .tooLarge,
                "\(source) image is resized to \(resized) before the \(width)×\(height) centre crop; "
                    + "that exceeds the \(limits.maxPixels)-pixel limit")
        }
    }

    /// The same as a `Tensor` of shape [1, C, H, W].
    public func tensor(
        from bytes: [UInt8], limits: ImageLimits = ImageLimits(),
        alphaBackground: DecodeOptions.AlphaBackground = .white, scaledDecode: Bool = true
    ) throws(ImageError) -> Tensor {
        try validate()
        let tensor = Tensor(uninitializedShape: Shape([1, channels, height, width]))
        try process(bytes, limits: limits, alphaBackground: alphaBackground, scaledDecode: scaledDecode, into: tensor.floatPointer)
        return tensor
    }

    /// Preprocesses a decoded image into `destination` (`elementCount` floats). The spec
    /// must be valid (`validate()`).
    public func process(_ image: Image, into destination: UnsafeMutablePointer<Float>) {
        let plane = width * height
        let c = channels
        switch prepared(image) {
        case .uint8(let px):
            // (v/255 − mean)/std as one multiply-add per sample.
            let scale = (0..<c).map { 1 / (255 * std($0)) }
            let bias = (0..<c).map { -mean($0) / std($0) }
            px.withUnsafeBufferPointer { buffer in
                let s = buffer.baseAddress!
                if c == 3 {
                    // One pass over the interleaved pixels, writing the three planes.
                    let o0 = destination, o1 = destination + plane, o2 = destination + 2 * plane
                    let k0 = scale[0], k1 = scale[1], k2 = scale[2]
                    let b0 = bias[0], b1 = bias[1], b2 = bias[2]
                    for i in 0..<plane {
                        let p = s + 3 * i
                        o0[i] = Float(p[0]) * k0 + b0
                        o1[i] = Float(p[1]) * k1 + b1
                        o2[i] = Float(p[2]) * k2 + b2
                    }
                } else {
                    for ch in 0..<c {
                        let out = destination + ch * plane
                        let k = scale[ch], b = bias[ch]
                        for i in 0..<plane { out[i] = Float(s[i * c + ch]) * k + b }
                    }
                }
            }
        case .float(let px):
            px.withUnsafeBufferPointer { s in
                for ch in 0..<c {
                    let out = destination + ch * plane
                    let m = mean(ch), sd = std(ch)
                    for i in 0..<plane { out[i] = (s[i * c + ch] - m) / sd }
                }
            }
        }
    }

    /// `process(_:into:)` into a new [1, C, H, W] tensor.
    public func tensor(from image: Image) -> Tensor {
        let tensor = Tensor(uninitializedShape: Shape([1, channels, height, width]))
        process(image, into: tensor.floatPointer)
        return tensor
    }

    /// Interleaved H×W×C samples at the target size before normalisation: 8-bit values
    /// for 8-bit images, values in [0, 1] for 16-bit ones.
    enum Prepared {
        case uint8([UInt8])
        case float([Float])
    }

    /// Steps 1 and 2: channels, resize and crop.
    func prepared(_ source: Image) -> Prepared {
        let image = source.converted(toChannels: channels)
        let (size, cropX, cropY) = geometry(source: ImageSize(width: image.width, height: image.height))
        let target = ImageSize(width: width, height: height)
        switch image.samples {
        case .uint8(let s):
            let r = Resampler.resize(s, width: image.width, height: image.height, channels: channels, to: size)
            return .uint8(Self.crop(r, from: size, to: target, x: cropX, y: cropY, channels: channels))
        case .uint16(let s):
            let unit = s.map { Float($0) * (1 / 65535) }
            let r = Resampler.resize(unit, width: image.width, height: image.height, channels: channels, to: size)
            return .float(Self.crop(r, from: size, to: target, x: cropX, y: cropY, channels: channels))
        }
    }

    static func crop<T>(_ src: [T], from size: ImageSize, to target: ImageSize, x: Int, y: Int, channels c: Int) -> [T] {
        guard size != target else { return src }
        var out = [T]()
        out.reserveCapacity(target.width * target.height * c)
        for row in y..<(y + target.height) {
            let start = (row * size.width + x) * c
            out.append(contentsOf: src[start..<(start + target.width * c)])
        }
        return out
    }
}
