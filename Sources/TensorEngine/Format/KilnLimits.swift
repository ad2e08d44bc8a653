/// Hard caps the reader enforces before it allocates or indexes anything. They bound the
/// work a hostile file can cause (GGUF readers have had overflow CVEs from unchecked counts)
/// and are far above what the models Kiln serves need. The writer enforces the same caps,
/// so it can never produce a file the reader refuses.
public enum KilnLimits {
    /// Header JSON bytes. ResNet-50's graph and tensor table take ~100 KiB; 16 MiB leaves
    /// room for thousands of labels while keeping the parse well under a second.
    public static let maxHeaderLength = 16 << 20
    /// Tensor rank; ONNX models on CPUs rarely exceed 6.
    public static let maxRank = 8
    /// UTF-8 bytes in any name (tensor, node, value, operator, attribute, model).
    public static let maxNameLength = 256
    /// Entries in the tensor table.
    public static let maxTensors = 65_536
    /// Graph nodes.
    public static let maxNodes = 65_536
    /// Inputs, and separately outputs, of one node (Concat/Sum are the wide ones).
    public static let maxNodeArity = 1_024
    /// Graph inputs, and separately graph outputs.
    public static let maxGraphValues = 1_024
    /// Largest dimension: 2^31, so a rank-8 product is overflow-checked rather than assumed.
    public static let maxDimension = 1 << 31
}
