import TensorEngine

/// One graph rewrite run at conversion time. Returns a one-line account of what it changed,
/// which `kiln convert` prints.
protocol ConversionPass: Sendable {
    var name: String { get }
    func run(_ model: inout GraphModel) throws -> String
}

extension GraphModel {
    /// Nodes reading each value, by name.
    var consumers: [String: [Int]] {
        var map: [String: [Int]] = [:]
        for (i, node) in nodes.enumerated() {
            for input in node.inputs where !input.isEmpty { map[input, default: []].append(i) }
        }
        return map
    }

    var outputNames: Set<String> { Set(outputs.map(\.name)) }

    /// Replaces every use of `old` by `new` in node inputs.
    mutating func rename(_ old: String, to new: String) {
        for i in nodes.indices {
            for j in nodes[i].inputs.indices where nodes[i].inputs[j] == old { nodes[i].inputs[j] = new }
        }
    }
}
