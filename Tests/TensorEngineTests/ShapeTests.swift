import Testing
@testable import TensorEngine

/// Shapes: counts, strides and overflow.
@Suite struct ShapeTests {
    @Test func countAndStrides() {
        let s: Shape = [2, 3, 4, 5]
        #expect(s.count == 120)
        #expect(s.strides == [60, 20, 5, 1])
        #expect(Shape([]).count == 1)
    }

    @Test func overflowAndNegativeAreNil() {
        #expect(Shape([1 << 40, 1 << 40]).checkedCount == nil)
        #expect(Shape([3, -1]).checkedCount == nil)
        #expect(Shape([0, 5]).checkedCount == 0)
    }

    @Test func dtypeNamesRoundTrip() {
        for t in DType.allCases { #expect(DType(name: t.name) == t) }
        #expect(DType.float32.size == 4 && DType.int64.size == 8 && DType.float16.size == 2)
    }
}
