import Testing
@testable import TensorEngine

/// Plans of one model at several batch sizes sharing prepared weights: each layer is packed
/// once, and the answers equal those of plans that packed their own.
@Suite struct PreparedWeightsTests {
    /// Conv 1×1 (2 → 3 channels) then Gemm over the flattened map: one conv kernel and one
    /// packed Gemm operand to prepare.
    func model() -> GraphModel {
        GraphModel(
            metadata: ModelMetadata(name: "t"), inputs: [ValueInfo(name: "x", dtype: .float32, shape: [-1, 2, 2, 2])],
            outputs: [ValueInfo(name: "y", dtype: .float32, shape: [])],
            nodes: [
                GraphNode(name: "conv", op: "Conv", inputs: ["x", "cw", "cb"], outputs: ["h"]),
                GraphNode(name: "flat", op: "Flatten", inputs: ["h"], outputs: ["f"], attributes: ["axis": .int(1)]),
                GraphNode(name: "fc", op: "Gemm", inputs: ["f", "w", "b"], outputs: ["y"], attributes: ["transB": .int(1)]),
            ],
            initializers: [
                "cw": Tensor(shape: [3, 2, 1, 1], floats: [1, -1, 0.5, 2, -2, 0.25]),
                "cb": Tensor(shape: [3], floats: [0, 1, -1]),
                "w": Tensor(shape: [4, 12], floats: (0..<48).map { Float($0 % 5) - 2 }),
                "b": Tensor(shape: [4], floats: [1, 2, 3, 4]),
            ])
    }

    @Test func layersArePackedOnceAndAnswersAgree() throws {
        let prepared = PreparedWeights()
        let m = model()
        let shared = try [1, 3, 8].map { try ExecutionPlan(model: m, batch: $0, prepared: prepared) }
        #expect(prepared.count == 2)
        for plan in shared {
            let own = try ExecutionPlan(model: m, batch: plan.batch)
            let x = Tensor(shape: Shape([plan.batch, 2, 2, 2]), floats: (0..<(plan.batch * 8)).map { Float(($0 * 7) % 11) - 5 })
            #expect(try plan.run([x])[0].floats == own.run([x])[0].floats)
        }
    }
}
