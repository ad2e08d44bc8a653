import Testing

@testable import InferenceServer

@Suite struct CoreBudgetTests {
    @Test func waitersStartInOrderWhenTokensReturn() {
        let budget = CoreBudget(cores: 2)
        let log = OrderLog()
        budget.acquire(2) { log.add("a") }
        budget.acquire(1) { log.add("b") }
        budget.acquire(1) { log.add("c") }
        #expect(log.items == ["a"] && budget.available == 0)
        budget.release(2)
        #expect(log.items == ["a", "b", "c"] && budget.available == 0)
        budget.release(1)
        budget.release(1)
        #expect(budget.available == 2)
    }

    @Test func requestsBeyondTheMachineAreCapped() {
        let budget = CoreBudget(cores: 2)
        let log = OrderLog()
        budget.acquire(8) { log.add("big") }
        #expect(log.items == ["big"])
        budget.release(8)
        #expect(budget.available == 2)
    }

    /// An elastic execution widens onto idle cores, never ahead of someone waiting.
    @Test func idleTokensGoOnlyWhenNobodyWaits() {
        let budget = CoreBudget(cores: 2)
        let log = OrderLog()
        budget.acquire(1) { log.add("a") }
        #expect(budget.takeIdle(upTo: 3) == 1 && budget.available == 0)
        budget.acquire(1) { log.add("b") }
        #expect(log.items == ["a"])
        budget.release(1)
        #expect(log.items == ["a", "b"] && budget.takeIdle(upTo: 1) == 0)
        budget.acquire(1) { log.add("c") }
        budget.release(1)
        #expect(log.items == ["a", "b", "c"] && budget.takeIdle(upTo: 1) == 0)
        budget.release(1)
        budget.release(1)
        #expect(budget.available == 2 && budget.takeIdle(upTo: 1) == 1)
    }
}
