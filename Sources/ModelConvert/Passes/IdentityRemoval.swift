import TensorEngine

/// Drops Identity and Dropout (inference-time no-ops) by pointing their consumers at their
/// input. One that produces a graph output stays, so output names never change.
struct IdentityRemoval: ConversionPass {
    let name = "identity removal"

    func run(_ model: inout GraphModel) throws -> String {
        var removed = 0
        let outputs = model.outputNames
        var i = 0
        while i < model.nodes.count {
            let node = model.nodes[i]
            if (node.op == "Identity" || node.op == "Dropout"), let input = node.inputs.first, let output = node.outputs.first,
                !outputs.contains(output), node.outputs.dropFirst().allSatisfy({ $0.isEmpty || model.consumers[$0] == nil })
            {
                model.nodes.remove(at: i)
                model.rename(output, to: input)
                removed += 1
            } else {
                i += 1
            }
        }
        return "removed \(removed) Identity/Dropout node(s)"
    }
}
