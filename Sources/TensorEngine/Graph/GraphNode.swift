/// One operator application: `op` names an `OpType` (kept as text in the file so a reader
/// can report an unknown operator by name), inputs and outputs name values. An empty input
/// name means an omitted optional input, as in ONNX.
public struct GraphNode: Sendable, Equatable, Codable {
    public var name: String
    public var op: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [String: AttributeValue]

    public init(name: String, op: String, inputs: [String], outputs: [String], attributes: [String: AttributeValue] = [:]) {
        self.name = name
        self.op = op
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }
}

/// A graph input or output: name, element type and shape, where -1 marks the dynamic
/// batch dimension (only dimension 0 may be dynamic).
public struct ValueInfo: Sendable, Equatable, Codable {
    public var name: String
    public var dtype: DType
    public var shape: [Int]

    public init(name: String, dtype: DType, shape: [Int]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
    }

    public var hasDynamicBatch: Bool { shape.first == -1 }
}

/// What a model is and how to feed it: carried in the .kiln header, shown by `kiln inspect`,
/// used by workers (labels, preprocessing hints).
public struct ModelMetadata: Sendable, Equatable, Codable {
    public var name: String
    public var version: String
    /// e.g. "image-classification", "tabular-classification", "sequence-classification".
    public var task: String
    public var labels: [String]
    /// Preprocessing hints for workers, e.g. {"mean": "0.485,0.456,0.406", "layout": "NCHW"}.
    public var preprocessing: [String: String]
    /// Free key/values (`kiln convert --meta key=value`), e.g. the producer and its version.
    public var extra: [String: String]

    public init(
        name: String, version: String = "1", task: String = "", labels: [String] = [],
        preprocessing: [String: String] = [:], extra: [String: String] = [:]
    ) {
        self.name = name
        self.version = version
        self.task = task
        self.labels = labels
        self.preprocessing = preprocessing
        self.extra = extra
    }
}
