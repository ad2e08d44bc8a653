/// A width and height in pixels.
public struct ImageSize: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    public var description: String { "\(width)×\(height)" }
}

/// Choices the decoder makes that change pixel values.
public struct DecodeOptions: Equatable, Sendable {
    /// What transparent pixels are composited over before alpha is dropped.
    public enum AlphaBackground: Equatable, Sendable {
        /// Over white (the default): a transparent logo on white, as a browser shows it.
        case white
        /// Over black: the same as premultiplying by alpha.
        case black
    }

    /// Default `.white`. Note Pillow's `convert("RGB")` discards alpha without compositing,
    /// keeping whatever colour the file stores under transparent pixels; compositing makes
    /// the result independent of that hidden colour.
    public var alphaBackground: AlphaBackground
    /// JPEG only: the smallest decoded size (in display orientation, after EXIF) the
    /// caller can use. When set, libjpeg's scaled IDCT decodes at 1/2, 1/4 or 1/8 scale,
    /// the largest reduction that keeps both sides at least this big. Nil: full size.
    public var minimumSize: ImageSize?

    public init(alphaBackground: AlphaBackground = .white, minimumSize: ImageSize? = nil) {
        self.alphaBackground = alphaBackground
        self.minimumSize = minimumSize
    }
}
