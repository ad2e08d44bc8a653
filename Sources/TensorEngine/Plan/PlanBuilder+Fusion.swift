import Foundation

/// Steps that replace two nodes (see `ExpandDepthwiseKernel`).
extension PlanBuilder {
    /// `KILN_FUSE_EXPAND_DEPTHWISE=0` plans the two layers separately (benchmarks compare).
    static let fusesExpandDepthwise = ProcessInfo.processInfo.environment["KILN_FUSE_EXPAND_DEPTHWISE"] != "0"

    /// How many nodes read each value, graph outputs counting as readers.
    func readerCounts() -> [String: Int] {
        var counts: [String: Int] = [:]
        for node in model.nodes {
            for name in node.inputs where !name.isEmpty { counts[name, default: 0] += 1 }
        }
        for spec in model.outputs { counts[spec.name, default: 0] += 1 }
        return counts
    }

    /// Plans a pointwise Conv `a` and the depthwise Conv `b` right after it as one step when
    /// `b` is the only reader of `a`'s output and the fused kernel takes and pays for the
    /// pair; false (nothing planned) otherwise.
    mutating func planExpandDepthwise(_ a: GraphNode, _ b: GraphNode, readers: [String: Int]) throws(EngineError) -> Bool {
        guard PlanBuilder.fusesExpandDepthwise, a.op == "Conv", b.op == "Conv", a.outputs.count == 1,
              let middle = a.outputs.first, !middle.isEmpty, readers[middle] == 1, b.inputs.first == middle,
              let source = a.inputs.first, let x = values[source], x.constant == nil,
              a.inputs.dropFirst().allSatisfy({ $0.isEmpty || values[$0]?.constant != nil }),
              b.inputs.dropFirst().allSatisfy({ $0.isEmpty || values[$0]?.constant != nil })
        else { return false }
        let inputsA = a.inputs.map { $0.isEmpty ? nil : values[$0] }
        let restB = b.inputs.dropFirst().map { $0.isEmpty ? nil : values[$0] }
        let (threads, prepared) = (self.threads, self.prepared)
        let expand = OpContext(node: a, inputs: inputsA, threads: threads, prepared: prepared)
        guard let fused = try OpPlanner.expandDepthwise(expand, { OpContext(node: b, inputs: [$0] + restB, threads: threads, prepared: prepared) })
        else { return false }
        schedule(b, fused, inputs: [locations[source]], label: "Conv+Conv")
        return true
    }
}
