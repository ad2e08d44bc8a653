import Testing
@testable import TensorEngine

/// Plans of one model at several batch sizes sharing an arena pool: same answers as plans
/// with pools of their own, and one arena serves every size once the largest is reserved.
@Suite struct ArenaPoolTests {
    /// x [N, 4] · W [4, 8] + bias, then · 2: intermediates live in the arena.
    func model() -> GraphModel {
        GraphModel(
            metadata: ModelMetadata(name: "t"), inputs: [ValueInfo(name: "x", dtype: .float32, shape: [-1, 4])],
            outputs: [ValueInfo(name: "y", dtype: .float32, shape: [])],
            nodes: [
                GraphNode(name: "mm", op: "MatMul", inputs: ["x", "w"], outputs: ["h"]),
                GraphNode(name: "add", op: "Add", inputs: ["h", "bias"], outputs: ["s"]),
                GraphNode(name: "mul", op: "Mul", inputs: ["s", "two"], outputs: ["y"]),
            ],
            initializers: [
                "w": Tensor(shape: [4, 8], floats: (0..<32).map { Float($0 % 7) - 3 }),
                "bias": Tensor(shape: [8], floats: (0..<8).map(Float.init)),
                "two": Tensor(shape: [], floats: [2]),
            ])
    }

    func input(rows: Int, seed: Int) -> Tensor {
        Tensor(shape: Shape([rows, 4]), floats: (0..<(rows * 4)).map { Float(($0 * 31 + seed * 17) % 23) / 4 - 2 })
    }

    @Test func sharedPoolGivesTheSameAnswersWithOneArena() throws {
        let pool = ArenaPool()
        let large = try ExecutionPlan(model: model(), batch: 4, arenaPool: pool)
        pool.reserve(atLeast: large.arenaBytes)
        let small = try ExecutionPlan(model: model(), batch: 1, arenaPool: pool)
        let ownLarge = try ExecutionPlan(model: model(), batch: 4)
        let ownSmall = try ExecutionPlan(model: model(), batch: 1)
        #expect(large.arenaBytes > small.arenaBytes)
        for seed in 0..<6 {
            let (plan, own, rows) = seed % 2 == 0 ? (small, ownSmall, 1) : (large, ownLarge, 4)
            let x = input(rows: rows, seed: seed)
            #expect(try plan.run([x])[0].floats == own.run([x])[0].floats)
        }
        #expect(pool.idleCount == 1)
        #expect(pool.minimumBytes == large.arenaBytes)
    }

    @Test func unreservedPoolGrowsAnArenaForALargerPlan() throws {
        let pool = ArenaPool()
        let small = try ExecutionPlan(model: model(), batch: 1, arenaPool: pool)
        let large = try ExecutionPlan(model: model(), batch: 4, arenaPool: pool)
        _ = try small.run([input(rows: 1, seed: 1)])
        _ = try large.run([input(rows: 4, seed: 2)])  // the small arena does not fit: a new one
        _ = try small.run([input(rows: 1, seed: 3)])  // either fits
        #expect(pool.idleCount == 2)
    }
}
