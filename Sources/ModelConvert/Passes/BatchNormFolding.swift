import TensorEngine

/// Folds an inference-mode BatchNormalization into the Conv or Gemm before it:
/// with s = scale / √(var + ε), W' = W·s per output channel and b' = (b − mean)·s + B.
/// The BN disappears and the product is written once.
struct BatchNormFolding: ConversionPass {
    let name = "batch-norm folding"

    func run(_ model: inout GraphModel) throws -> String {
        var folded = 0
        var i = 0
        while i < model.nodes.count {
            if try fold(at: i, &model) { folded += 1 } else { i += 1 }
        }
        return "folded \(folded) BatchNormalization node(s) into Conv/Gemm"
    }

    private func fold(at i: Int, _ model: inout GraphModel) throws -> Bool {
        let producer = model.nodes[i]
        guard producer.op == "Conv" || producer.op == "Gemm", producer.attributes["fused_activation"] == nil,
            let out = producer.outputs.first, !model.outputNames.contains(out),
            let users = model.consumers[out], users.count == 1, model.nodes[users[0]].op == "BatchNormalization"
        else { return false }
        let bn = model.nodes[users[0]]
        guard bn.inputs.count >= 5, bn.inputs[0] == out, bn.outputs.dropFirst().allSatisfy({ $0.isEmpty }),
            let scale = model.initializers[bn.inputs[1]], let shift = model.initializers[bn.inputs[2]],
            let mean = model.initializers[bn.inputs[3]], let variance = model.initializers[bn.inputs[4]],
            producer.inputs.count >= 2, let weight = model.initializers[producer.inputs[1]], weight.dtype == .float32
        else { return false }
        var epsilon: Float = 1e-5
        if case .float(let e)? = bn.attributes["epsilon"] { epsilon = e }
        let channels = scale.count
        guard shift.count == channels, mean.count == channels, variance.count == channels else { return false }
        let s = (0..<channels).map { scale.floats[$0] / (variance.floats[$0] + epsilon).squareRoot() }

        // Which weight elements belong to output channel c, by operator and layout.
        var transB = 0
        if case .int(let t)? = producer.attributes["transB"] { transB = t }
        let isConv = producer.op == "Conv"
        let outChannels = isConv || transB == 1 ? weight.shape[0] : weight.shape[weight.shape.rank - 1]
        guard outChannels == channels, weight.shape.rank >= 2 else { return false }
        if producer.op == "Gemm" {
            if case .float(let a)? = producer.attributes["alpha"], a != 1 { return false }
            if case .float(let b)? = producer.attributes["beta"], b != 1 { return false }
        }
        var w = weight.floats
        let perChannel = w.count / channels
        for idx in w.indices {
            let c = isConv || transB == 1 ? idx / perChannel : idx % channels
            w[idx] *= s[c]
        }
        var bias = [Float](repeating: 0, count: channels)
        if producer.inputs.count > 2, !producer.inputs[2].isEmpty {
            guard let b = model.initializers[producer.inputs[2]], b.count == channels else { return false }
            bias = b.floats
        }
        for c in 0..<channels { bias[c] = (bias[c] - mean.floats[c]) * s[c] + shift.floats[c] }

        let weightName = producer.name + ".folded_weight", biasName = producer.name + ".folded_bias"
        model.initializers[weightName] = Tensor(shape: weight.shape, floats: w)
        model.initializers[biasName] = Tensor(shape: [channels], floats: bias)
        var inputs = producer.inputs
        inputs[1] = weightName
        if inputs.count > 2 { inputs[2] = biasName } else { inputs.append(biasName) }
        model.nodes[i].inputs = inputs
        model.nodes[i].outputs[0] = bn.outputs[0]
        model.nodes.remove(at: users[0])
        return true
    }
}
