import TensorEngine

/// Evaluates, with the engine itself, every node whose inputs are all constants, and
/// stores its outputs as initializers. Shape-dependent chains that involve the dynamic
/// batch are left for the planner, which folds them per batch size.
struct ConstantFolding: ConversionPass {
    let name = "constant folding"

    func run(_ model: inout GraphModel) throws -> String {
        var folded = 0
        var i = 0
        while i < model.nodes.count {
            let node = model.nodes[i]
            let constantInputs = node.inputs.allSatisfy { $0.isEmpty || model.initializers[$0] != nil }
            guard constantInputs, !node.inputs.isEmpty, node.op != "Shape" else {
                i += 1
                continue
            }
            var inits: [String: Tensor] = [:]
            for input in node.inputs where !input.isEmpty { inits[input] = model.initializers[input] }
            let produced = node.outputs.filter { !$0.isEmpty }
            let single = GraphModel(
                metadata: model.metadata, inputs: [], outputs: produced.map { ValueInfo(name: $0, dtype: .float32, shape: []) },
                nodes: [node], initializers: inits)
            let plan = try ExecutionPlan(model: single, batch: 1)
            let values = try plan.run([])
            for (name, value) in zip(produced, values) { model.initializers[name] = value }
            model.nodes.remove(at: i)
            folded += 1
        }
        return "folded \(folded) node(s) into constants"
    }
}
