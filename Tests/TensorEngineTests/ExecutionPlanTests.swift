import Testing
@testable import TensorEngine

/// Planning and running small graphs: shapes, broadcasting, aliasing, plan-time folding of
/// shape computations, arena reuse, dynamic batch, and input checking.
@Suite struct ExecutionPlanTests {
    func model(_ nodes: [GraphNode], inputs: [ValueInfo], outputs: [String], initializers: [String: Tensor] = [:]) -> GraphModel {
        GraphModel(
            metadata: ModelMetadata(name: "t"), inputs: inputs,
            outputs: outputs.map { ValueInfo(name: $0, dtype: .float32, shape: []) }, nodes: nodes, initializers: initializers)
    }

    @Test func gemmBiasRelu() throws {
        // x [N,2] · W[3,2]ᵀ + b, relu
        let w = Tensor(shape: [3, 2], floats: [1, 0, 0, 1, -1, -1])
        let b = Tensor(shape: [3], floats: [0, 1, 0])
        let m = model(
            [GraphNode(name: "g", op: "Gemm", inputs: ["x", "w", "b"], outputs: ["y"], attributes: ["transB": .int(1), "fused_activation": .string("Relu")])],
            inputs: [ValueInfo(name: "x", dtype: .float32, shape: [-1, 2])], outputs: ["y"], initializers: ["w": w, "b": b])
        let plan = try ExecutionPlan(model: m, batch: 2)
        let y = try plan.run([Tensor(shape: [2, 2], floats: [1, 2, -3, 4])])[0]
        #expect(y.shape == [2, 3])
        #expect(y.floats == [1, 3, 0, 0, 5, 0])
    }

    @Test func broadcastArithmeticAndMatMul() throws {
        let m = model(
            [
                GraphNode(name: "mm", op: "MatMul", inputs: ["x", "w"], outputs: ["h"]),
                GraphNode(name: "add", op: "Add", inputs: ["h", "bias"], outputs: ["s"]),
                GraphNode(name: "mul", op: "Mul", inputs: ["s", "two"], outputs: ["y"]),
            ],
            inputs: [ValueInfo(name: "x", dtype: .float32, shape: [-1, 2, 2])], outputs: ["y"],
            initializers: ["w": Tensor(shape: [2, 1], floats: [1, 1]), "bias": Tensor(shape: [2, 1], floats: [10, 20]), "two": Tensor(shape: [], floats: [2])])
        let plan = try ExecutionPlan(model: m, batch: 2)
        let y = try plan.run([Tensor(shape: [2, 2, 2], floats: [1, 2, 3, 4, 5, 6, 7, 8])])[0]
        #expect(y.shape == [2, 2, 1])
        #expect(y.floats == [26, 54, 42, 70])
    }

    @Test func shapeChainFoldsAtPlanTime() throws {
        // Reshape x [N, 2, 3] to [N, 6] with the target computed from Shape → Slice → Concat.
        let m = model(
            [
                GraphNode(name: "s", op: "Shape", inputs: ["x"], outputs: ["shape"]),
                GraphNode(name: "sl", op: "Slice", inputs: ["shape", "zero", "one"], outputs: ["n"]),
                GraphNode(name: "cat", op: "Concat", inputs: ["n", "minus1"], outputs: ["target"], attributes: ["axis": .int(0)]),
                GraphNode(name: "r", op: "Reshape", inputs: ["x", "target"], outputs: ["flat"]),
                GraphNode(name: "t", op: "Transpose", inputs: ["flat"], outputs: ["y"]),
            ],
            inputs: [ValueInfo(name: "x", dtype: .float32, shape: [-1, 2, 3])], outputs: ["y"],
            initializers: ["zero": Tensor(shape: [1], int64s: [0]), "one": Tensor(shape: [1], int64s: [1]), "minus1": Tensor(shape: [1], int64s: [-1])])
        let plan = try ExecutionPlan(model: m, batch: 2)
        #expect(plan.stepOps == ["Transpose"])  // Shape/Slice/Concat folded, Reshape is a view
        let y = try plan.run([Tensor(shape: [2, 2, 3], floats: (0..<12).map(Float.init))])[0]
        #expect(y.shape == [6, 2])
        #expect(y.floats == [0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11])
    }

    @Test func sliceWithNegativeStepAndConcat() throws {
        let m = model(
            [
                GraphNode(name: "sl", op: "Slice", inputs: ["x", "starts", "ends", "axes", "steps"], outputs: ["r"]),
                GraphNode(name: "cat", op: "Concat", inputs: ["x", "r"], outputs: ["y"], attributes: ["axis": .int(1)]),
            ],
            inputs: [ValueInfo(name: "x", dtype: .float32, shape: [1, 4])], outputs: ["y"],
            initializers: [
                "starts": Tensor(shape: [1], int64s: [-1]), "ends": Tensor(shape: [1], int64s: [Int64.min]),
                "axes": Tensor(shape: [1], int64s: [1]), "steps": Tensor(shape: [1], int64s: [-2]),
            ])
        let y = try ExecutionPlan(model: m, batch: 1).run([Tensor(shape: [1, 4], floats: [1, 2, 3, 4])])[0]
        #expect(y.floats == [1, 2, 3, 4, 4, 2])
    }

    @Test func arenaReusesDeadBuffers() throws {
        // A chain of 6 unary ops on [1, 1024] needs two live buffers at a time, not six.
        var nodes: [GraphNode] = []
        var last = "x"
        for i in 0..<6 {
            nodes.append(GraphNode(name: "n\(i)", op: i % 2 == 0 ? "Neg" : "Exp", inputs: [last], outputs: ["v\(i)"]))
            last = "v\(i)"
        }
        let plan = try ExecutionPlan(model: model(nodes, inputs: [ValueInfo(name: "x", dtype: .float32, shape: [1, 1024])], outputs: [last]), batch: 1)
        #expect(plan.arenaBytes == 2 * 4096)
    }

    @Test func rejectsBadInputsAndGraphs() throws {
        let m = model([GraphNode(name: "r", op: "Relu", inputs: ["x"], outputs: ["y"])], inputs: [ValueInfo(name: "x", dtype: .float32, shape: [-1, 3])], outputs: ["y"])
        let plan = try ExecutionPlan(model: m, batch: 2)
        #expect(throws: EngineError.self) { try plan.run([Tensor(shape: [3, 3])]) }
        #expect(throws: EngineError.self) { try plan.run([Tensor(shape: [2, 3], dtype: .int64)]) }
        let unknown = model([GraphNode(name: "d", op: "Det", inputs: ["x"], outputs: ["y"])], inputs: [ValueInfo(name: "x", dtype: .float32, shape: [2, 2])], outputs: ["y"])
        #expect {
            try ExecutionPlan(model: unknown, batch: 1)
        } throws: { error in
            let e = error as! EngineError
            return e.kind == .unsupportedOperator && e.message.contains("'d'") && e.message.contains("Conv")
        }
        let mismatch = model([GraphNode(name: "a", op: "Add", inputs: ["x", "k"], outputs: ["y"])], inputs: [ValueInfo(name: "x", dtype: .float32, shape: [2, 3])], outputs: ["y"], initializers: ["k": Tensor(shape: [4], floats: [1, 2, 3, 4])])
        #expect(throws: EngineError.self) { try ExecutionPlan(model: mismatch, batch: 1) }
    }

    @Test func concurrentRunsAgree() async throws {
        let m = model([GraphNode(name: "e", op: "Exp", inputs: ["x"], outputs: ["y"])], inputs: [ValueInfo(name: "x", dtype: .float32, shape: [1, 256])], outputs: ["y"])
        let plan = try ExecutionPlan(model: m, batch: 1)
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<16 {
                group.addTask {
                    let x = Tensor(shape: [1, 256], floats: (0..<256).map { Float(($0 + i) % 7) / 7 })
                    let y = try plan.run([x])[0]
                    return zip(x.floats, y.floats).allSatisfy { abs(expf($0) - $1) < 1e-6 }
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 16 && results.allSatisfy { $0 })
    }
}

import Glibc
