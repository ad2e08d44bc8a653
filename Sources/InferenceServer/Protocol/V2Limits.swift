/// Caps applied while decoding, all checked before the memory they guard is allocated.
/// Defaults are sized for image and tabular models; the server may tighten them per model.
public struct V2Limits: Sendable, Equatable {
    /// Largest single tensor in bytes (default 256 MiB).
    public var maxTensorBytes: Int
    /// Sum of all input tensors in bytes (default 512 MiB).
    public var maxTotalBytes: Int
    /// Most inputs in one request (default 64).
    public var maxInputs: Int
    /// Most requested outputs in one request (default 64).
    public var maxOutputs: Int
    /// Deepest JSON nesting anywhere in the header (default 64).
    public var maxDepth: Int
    /// Highest tensor rank (default 8).
    public var maxRank: Int

    public init(
        maxTensorBytes: Int = 256 << 20, maxTotalBytes: Int = 512 << 20, maxInputs: Int = 64,
        maxOutputs: Int = 64, maxDepth: Int = 64, maxRank: Int = 8
    ) {
        self.maxTensorBytes = maxTensorBytes
        self.maxTotalBytes = maxTotalBytes
        self.maxInputs = maxInputs
        self.maxOutputs = maxOutputs
        self.maxDepth = maxDepth
        self.maxRank = maxRank
    }
}
