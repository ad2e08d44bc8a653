/// Every operator the engine runs: its vocabulary, closed (tinygrad's habit). Raw values
/// are the ONNX operator names, which the converter and the .kiln graph both use.
public enum OpType: String, Sendable, CaseIterable {
    // Linear algebra and convolution (BLAS where it wins).
    case gemm = "Gemm", matMul = "MatMul"
    case conv = "Conv"
    // Pooling and normalisation.
    case maxPool = "MaxPool", averagePool = "AveragePool", globalAveragePool = "GlobalAveragePool"
    case batchNormalization = "BatchNormalization", layerNormalization = "LayerNormalization"
    // Activations.
    case relu = "Relu", clip = "Clip", leakyRelu = "LeakyRelu", sigmoid = "Sigmoid", tanh = "Tanh"
    case hardSigmoid = "HardSigmoid", hardSwish = "HardSwish", erf = "Erf", gelu = "Gelu"
    case softmax = "Softmax", logSoftmax = "LogSoftmax"
    // Element-wise arithmetic with NumPy broadcasting.
    case add = "Add", sub = "Sub", mul = "Mul", div = "Div", pow = "Pow"
    case sqrt = "Sqrt", neg = "Neg", exp = "Exp", log = "Log"
    // Shape and data movement.
    case flatten = "Flatten", reshape = "Reshape", transpose = "Transpose"
    case squeeze = "Squeeze", unsqueeze = "Unsqueeze", concat = "Concat", slice = "Slice"
    case gather = "Gather", shape = "Shape", cast = "Cast", identity = "Identity", dropout = "Dropout"
    // Reductions and selection.
    case reduceMean = "ReduceMean", reduceSum = "ReduceSum", reduceMax = "ReduceMax", topK = "TopK"
    // Recurrent.
    case lstm = "LSTM", gru = "GRU"

    /// "Add, AveragePool, …": for error messages that list what is supported.
    public static var supportedList: String { allCases.map(\.rawValue).sorted().joined(separator: ", ") }
}
