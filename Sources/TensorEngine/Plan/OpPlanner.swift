/// Chooses, for each operator, how to infer its output shapes and which kernel runs it.
/// Each family lives in an `OpPlanner+<Family>.swift` extension.
enum OpPlanner {
    static func plan(_ op: OpType, _ c: OpContext) throws(EngineError) -> OpPlan {
        switch op {
        case .add: try binary(c, .add)
        case .sub: try binary(c, .sub)
        case .mul: try binary(c, .mul)
        case .div: try binary(c, .div)
        case .pow: try binary(c, .pow)
        case .sqrt: try unary(c, .sqrt)
        case .neg: try unary(c, .neg)
        case .exp: try unary(c, .exp)
        case .log: try unary(c, .log)
        case .erf: try unary(c, .erf)
        case .gelu: try unary(c, try c.string("approximate", "none") == "tanh" ? .geluTanh : .geluExact)
        case .relu: try unary(c, .activation(.relu))
        case .sigmoid: try unary(c, .activation(.sigmoid))
        case .tanh: try unary(c, .activation(.tanh))
        case .hardSwish: try unary(c, .activation(.hardSwish))
        case .leakyRelu: try unary(c, .activation(.leakyRelu(alpha: try c.float("alpha", 0.01))))
        case .hardSigmoid: try unary(c, .activation(.hardSigmoid(alpha: try c.float("alpha", 0.2), beta: try c.float("beta", 0.5))))
        case .clip: try clip(c)
        case .identity, .dropout: try identity(c)
        case .reshape: try reshape(c)
        case .flatten: try flatten(c)
        case .squeeze: try squeeze(c)
        case .unsqueeze: try unsqueeze(c)
        case .transpose: try transpose(c)
        case .concat: try concat(c)
        case .slice: try slice(c)
        case .shape: try shape(c)
        case .cast: try cast(c)
        case .gemm: try gemm(c)
        case .matMul: try matMul(c)
        case .conv: try conv(c)
        case .maxPool: try pool(c, max: true)
        case .averagePool: try pool(c, max: false)
        case .globalAveragePool: try globalAveragePool(c)
        case .batchNormalization: try batchNormalization(c)
        case .lstm: try recurrent(c, lstm: true)
        case .gru: try recurrent(c, lstm: false)
        case .softmax: try softmax(c, log: false)
        case .logSoftmax: try softmax(c, log: true)
        case .layerNormalization: try layerNormalization(c)
        case .reduceMean: try reduce(c, .mean)
        case .reduceSum: try reduce(c, .sum)
        case .reduceMax: try reduce(c, .max)
        case .topK: try topK(c)
        case .gather: try gather(c)
        }
    }

    /// Number of elements, for kernels.
    static func count(_ s: Shape) -> Int { s.count }
}
