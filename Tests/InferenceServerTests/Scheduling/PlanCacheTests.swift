import Testing
import TensorEngine
@testable import InferenceServer

/// Plans by batch size: 1 and the largest at load, the rest on first use, at most
/// `capacity` kept with the least recently used size dropped first.
@Suite struct PlanCacheTests {
    let graph = TestRepository.graph(scale: 1)

    func outputs(_ plan: ExecutionPlan, rows: Int) throws -> [Float] {
        let x = Tensor(shape: Shape([rows, 4]), floats: (0..<rows * 4).map { Float($0) * 0.25 - 1 })
        return try plan.run([x])[0].floats
    }

    @Test func oneAndTheLargestArePlannedAtLoad() throws {
        let cache = try PlanCache(graph: graph, maxRows: 8, threads: 1)
        #expect(cache.plannedSizes == [1, 8])
        #expect(cache.unit.batch == 1)
        _ = try cache.plan(rows: 3)
        #expect(cache.plannedSizes == [1, 3, 8])
    }

    @Test func theLeastRecentlyUsedSizeIsDroppedPastCapacity() throws {
        let cache = try PlanCache(graph: graph, maxRows: 16, threads: 1, capacity: 4)
        let three = try cache.plan(rows: 3)
        _ = try cache.plan(rows: 2)
        #expect(cache.plannedSizes == [1, 2, 3, 16])
        // 3 is used again, so 2 is now the oldest: 5 replaces it. 1 and 16 always stay.
        #expect(try cache.plan(rows: 3) === three)
        _ = try cache.plan(rows: 5)
        #expect(cache.plannedSizes == [1, 3, 5, 16])
        _ = try cache.plan(rows: 1)
        _ = try cache.plan(rows: 16)
        _ = try cache.plan(rows: 7)
        #expect(cache.plannedSizes == [1, 5, 7, 16])
        // A dropped size is planned again and computes the same answers.
        let again = try cache.plan(rows: 3)
        #expect(again !== three)
        #expect(try outputs(again, rows: 3) == outputs(three, rows: 3))
        #expect(cache.plannedSizes.count == 4)
    }

    @Test func manySizesStayWithinTheDefaultCapacity() throws {
        let cache = try PlanCache(graph: graph, maxRows: 4096, threads: 1)
        for rows in 1...300 { _ = try cache.plan(rows: rows) }
        #expect(cache.plannedSizes.count == PlanCache.defaultCapacity)
        #expect(cache.plannedSizes.contains(1) && cache.plannedSizes.contains(4096))
        #expect(cache.plannedSizes.contains(300) && !cache.plannedSizes.contains(2))
    }
}
