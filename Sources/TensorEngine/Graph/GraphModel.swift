/// A model in memory: metadata, graph inputs and outputs, nodes in topological order and
/// the constant tensors (initializers) they use. Loaded from a .kiln file (weights stay
/// memory-mapped) or built by the converter.
public struct GraphModel: Sendable {
    public var metadata: ModelMetadata
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]
    public var nodes: [GraphNode]
    public var initializers: [String: Tensor]

    public init(metadata: ModelMetadata, inputs: [ValueInfo], outputs: [ValueInfo], nodes: [GraphNode], initializers: [String: Tensor]) {
        self.metadata = metadata
        self.inputs = inputs
        self.outputs = outputs
        self.nodes = nodes
        self.initializers = initializers
    }

    /// Elements in all initializers: the parameter count `kiln inspect` reports.
    public var parameterCount: Int { initializers.values.reduce(0) { $0 + $1.count } }

    /// Operator → number of nodes.
    public var opHistogram: [String: Int] { nodes.reduce(into: [:]) { $0[$1.op, default: 0] += 1 } }
}
