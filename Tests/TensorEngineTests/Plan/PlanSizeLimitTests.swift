import Testing
@testable import TensorEngine

/// Sizes a model file states (attributes, shapes) that the planner does arithmetic with are
/// refused as `EngineError`s before they can overflow or size an allocation.
@Suite struct PlanSizeLimitTests {
    func pool(_ attributes: [String: AttributeValue], input: [Int] = [-1, 1, 4, 4]) -> GraphModel {
        GraphModel(
            metadata: ModelMetadata(name: "t"), inputs: [ValueInfo(name: "x", dtype: .float32, shape: input)],
            outputs: [ValueInfo(name: "y", dtype: .float32, shape: [])],
            nodes: [GraphNode(name: "p", op: "MaxPool", inputs: ["x"], outputs: ["y"], attributes: attributes)],
            initializers: [:])
    }

    /// size + pads and dilation × (kernel − 1) + 1 would overflow Int with these values.
    @Test(arguments: [
        ["kernel_shape": .ints([1, 1]), "pads": .ints([Int.max, 0, 0, 0])],
        ["kernel_shape": .ints([3, 1]), "dilations": .ints([Int.max / 2, 1])],
        ["kernel_shape": .ints([Int.max, 1])],
        ["kernel_shape": .ints([1, 1]), "strides": .ints([Int.max, 1])],
    ] as [[String: AttributeValue]])
    func windowAttributesPastTheDimensionCapAreRefused(attributes: [String: AttributeValue]) {
        #expect(throws: EngineError.self) { try ExecutionPlan(model: pool(attributes), batch: 1) }
    }

    /// 2^62 elements fit an Int, their FP32 bytes do not: refused, not trapped on.
    @Test func valueBytesThatOverflowAreRefused() {
        let model = GraphModel(
            metadata: ModelMetadata(name: "t"), inputs: [ValueInfo(name: "x", dtype: .float32, shape: [-1, 1 << 30, 1 << 30])],
            outputs: [ValueInfo(name: "y", dtype: .float32, shape: [])],
            nodes: [GraphNode(name: "r", op: "Relu", inputs: ["x"], outputs: ["y"])], initializers: [:])
        #expect {
            try ExecutionPlan(model: model, batch: 4)
        } throws: { ($0 as? EngineError)?.message.contains("too large") == true }
    }

    /// The same pool with ordinary attributes still plans.
    @Test func ordinaryWindowsPlan() throws {
        let plan = try ExecutionPlan(model: pool(["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])]), batch: 1)
        #expect(plan.outputs[0].shape == [1, 1, 2, 2])
    }

    /// FLOP counts multiply shapes from the file: a product past Int saturates, and the
    /// plan is then refused by the size check (here: a 2^31 × 2^31 product of two inputs).
    @Test func flopCountsSaturateInsteadOfTrapping() {
        let model = GraphModel(
            metadata: ModelMetadata(name: "t"),
            inputs: [ValueInfo(name: "a", dtype: .float32, shape: [-1, 1 << 31, 1]), ValueInfo(name: "b", dtype: .float32, shape: [-1, 1, 1 << 31])],
            outputs: [ValueInfo(name: "y", dtype: .float32, shape: [])],
            nodes: [GraphNode(name: "mm", op: "MatMul", inputs: ["a", "b"], outputs: ["y"])], initializers: [:])
        #expect(throws: EngineError.self) { try ExecutionPlan(model: model, batch: 1) }
        #expect(OpPlan.saturatingProduct(2, 1 << 31, 1 << 31, 2) == .max)
        #expect(OpPlan.saturatingProduct(2, 3, 7) == 42)
        #expect(OpPlan.saturatingProduct(1 << 40, 0, 1 << 40) == 0)
    }
}
