import TensorEngine

/// Removes nodes whose outputs never reach a graph output, then initializers nothing reads.
struct DeadNodeRemoval: ConversionPass {
    let name = "dead code removal"

    func run(_ model: inout GraphModel) throws -> String {
        var live = model.outputNames
        var keep = [Bool](repeating: false, count: model.nodes.count)
        for i in model.nodes.indices.reversed() where model.nodes[i].outputs.contains(where: live.contains) {
            keep[i] = true
            for input in model.nodes[i].inputs where !input.isEmpty { live.insert(input) }
        }
        let before = model.nodes.count
        model.nodes = model.nodes.enumerated().filter { keep[$0.offset] }.map(\.element)
        let unused = model.initializers.keys.filter { !live.contains($0) }
        for name in unused { model.initializers[name] = nil }
        return "removed \(before - model.nodes.count) dead node(s) and \(unused.count) unused initializer(s)"
    }
}
