import Testing
@testable import TensorEngine

/// Gather on several axes, index types and element sizes, against coordinate arithmetic.
@Suite struct GatherKernelTests {
    /// out[pre…, idx…, post…] = data[pre…, indices[idx…] (wrapped), post…].
    static func reference<T>(_ data: [T], shape: [Int], indices: [Int64], indexShape: [Int], axis: Int) -> [T] {
        let outShape = GatherKernel.outputShape(data: shape, indices: indexShape, axis: axis)
        return (0..<outShape.reduce(1, *)).map { f in
            let c = SeqIndex.coords(f, outShape)
            let q = SeqIndex.flat(Array(c[axis..<(axis + indexShape.count)]), indexShape)
            var i = Int(indices[q])
            if i < 0 { i += shape[axis] }
            return data[SeqIndex.flat(Array(c[..<axis]) + [i] + Array(c[(axis + indexShape.count)...]), shape)]
        }
    }

    @Test(arguments: [0, 1, 2, -1])
    func floatDataInt64AndInt32Indices(_ axis: Int) throws {
        let shape = [4, 5, 6]
        let a = axis < 0 ? axis + 3 : axis
        var rng = SeqRNG(seed: 51)
        let data = rng.floats(120)
        let n = shape[a]
        // Negative, positive and repeated indices, shaped [2, 3].
        let idx: [Int64] = [0, -1, Int64(n - 1), -Int64(n), 1, -2]
        let e = GatherKernel.extents(data: shape, axis: axis)
        let want = Self.reference(data, shape: shape, indices: idx, indexShape: [2, 3], axis: a)
        #expect(GatherKernel.outputShape(data: shape, indices: [2, 3], axis: axis).reduce(1, *) == want.count)

        try GatherKernel.validateIndices(idx, count: 6, axisCount: e.axisCount)
        var out = [Float](repeating: .nan, count: want.count)
        GatherKernel.run(data: data, indices: idx, output: &out, outer: e.outer, axisCount: e.axisCount, inner: e.inner, indexCount: 6, threads: 1)
        #expect(out == want)

        let idx32 = idx.map(Int32.init)
        try GatherKernel.validateIndices(idx32, count: 6, axisCount: e.axisCount)
        var out32 = [Float](repeating: .nan, count: want.count)
        GatherKernel.run(data: data, indices: idx32, output: &out32, outer: e.outer, axisCount: e.axisCount, inner: e.inner,
                         indexCount: 6, elementSize: 4, threads: 1)
        #expect(out32 == want)
    }

    @Test(arguments: [0, 1])
    func int64DataAsBytes(_ axis: Int) {
        let shape = [3, 4]
        let data: [Int64] = (0..<12).map { Int64($0) * 1_000_000_000_007 - 5 }
        let idx: [Int64] = [-1, 0, 2]
        let e = GatherKernel.extents(data: shape, axis: axis)
        var out = [Int64](repeating: 0, count: e.outer * 3 * e.inner)
        GatherKernel.run(data: data, indices: idx, output: &out, outer: e.outer, axisCount: e.axisCount, inner: e.inner,
                         indexCount: 3, elementSize: 8, threads: 1)
        #expect(out == Self.reference(data, shape: shape, indices: idx, indexShape: [3], axis: axis))
    }

    @Test func embeddingLookupWithThreadsAndScalarIndex() {
        // [vocab 1000, dim 64] table, 300 token ids: rows copied whole, across two workers.
        var rng = SeqRNG(seed: 52)
        let table = rng.floats(1000 * 64)
        let ids = (0..<300).map { _ in Int64(rng.int(-1000...999)) }
        var out = [Float](repeating: .nan, count: 300 * 64)
        GatherKernel.run(data: table, indices: ids, output: &out, outer: 1, axisCount: 1000, inner: 64, indexCount: 300, threads: 2)
        #expect(out == Self.reference(table, shape: [1000, 64], indices: ids, indexShape: [300], axis: 0))
        // A rank-0 index removes the axis.
        #expect(GatherKernel.outputShape(data: [1000, 64], indices: [], axis: 0) == [64])
        #expect(GatherKernel.outputShape(data: [2, 3, 4], indices: [5, 6], axis: -2) == [2, 5, 6, 4])
    }

    @Test func outOfRangeIndicesAreReportedNotFatal() {
        let bad: [Int64] = [0, 3, 4, -1]
        #expect(throws: GatherKernel.IndexOutOfRange(position: 2, index: 4, axisCount: 4)) {
            try GatherKernel.validateIndices(bad, count: 4, axisCount: 4)
        }
        let badNegative: [Int32] = [-5]
        #expect(throws: GatherKernel.IndexOutOfRange(position: 0, index: -5, axisCount: 4)) {
            try GatherKernel.validateIndices(badNegative, count: 1, axisCount: 4)
        }
        let err = GatherKernel.IndexOutOfRange(position: 2, index: 4, axisCount: 4)
        #expect(err.description.contains("index 4 at position 2"))
        // An empty axis accepts no index at all.
        #expect(throws: GatherKernel.IndexOutOfRange.self) { try GatherKernel.validateIndices([Int64(0)], count: 1, axisCount: 0) }
    }
}
