import TensorEngine

/// Folds an activation that directly follows a Conv or Gemm into it (`fused_activation`
/// attributes), so the output is written once instead of read and written again.
struct ActivationFusion: ConversionPass {
    let name = "activation fusion"

    func run(_ model: inout GraphModel) throws -> String {
        var fused = 0
        var i = 0
        while i < model.nodes.count {
            let producer = model.nodes[i]
            guard producer.op == "Conv" || producer.op == "Gemm", producer.attributes["fused_activation"] == nil,
                let out = producer.outputs.first, !model.outputNames.contains(out),
                let users = model.consumers[out], users.count == 1
            else {
                i += 1
                continue
            }
            let act = model.nodes[users[0]]
            guard act.inputs.first == out, let attrs = fusedAttributes(act, model) else {
                i += 1
                continue
            }
            model.nodes[i].attributes.merge(attrs) { $1 }
            model.nodes[i].outputs[0] = act.outputs[0]
            model.nodes.remove(at: users[0])
            fused += 1
            if users[0] < i { i -= 1 }
        }
        return "fused \(fused) activation(s) into Conv/Gemm"
    }

    private func fusedAttributes(_ node: GraphNode, _ model: GraphModel) -> [String: AttributeValue]? {
        func float(_ key: String) -> Float? { if case .float(let v)? = node.attributes[key] { v } else { nil } }
        switch node.op {
        case "Relu", "Sigmoid", "Tanh", "HardSwish": return ["fused_activation": .string(node.op)]
        case "LeakyRelu": return ["fused_activation": .string("LeakyRelu"), "fused_alpha": .float(float("alpha") ?? 0.01)]
        case "HardSigmoid":
            return ["fused_activation": .string("HardSigmoid"), "fused_alpha": .float(float("alpha") ?? 0.2), "fused_beta": .float(float("beta") ?? 0.5)]
        case "Clip":
            func bound(_ index: Int) -> Float?? {
                guard index < node.inputs.count, !node.inputs[index].isEmpty else { return .some(nil) }
                guard let t = model.initializers[node.inputs[index]], t.count == 1, t.dtype == .float32 else { return nil }
                return .some(t.floats[0])
            }
            guard let lo = bound(1), let hi = bound(2) else { return nil }
            return [
                "fused_activation": .string("Clip"), "fused_min": .float(lo ?? float("min") ?? -.greatestFiniteMagnitude),
                "fused_max": .float(hi ?? float("max") ?? .greatestFiniteMagnitude),
            ]
        default: return nil
        }
    }
}
