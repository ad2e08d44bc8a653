import Testing
@testable import TensorEngine

/// TopK against a stable sort of each lane.
@Suite struct TopKKernelTests {
    /// Per lane: indices stably sorted by value (descending for largest), so equal values
    /// keep the lower index first, as onnxruntime orders them; then the first k.
    static func reference(_ x: [Float], shape: [Int], axis: Int, k: Int, largest: Bool) -> (values: [Float], indices: [Int64]) {
        var outShape = shape
        outShape[axis] = k
        var values = [Float](repeating: .nan, count: outShape.reduce(1, *)), indices = [Int64](repeating: -1, count: values.count)
        for lane in SeqIndex.lanes(shape, axis: axis) {
            let order = (0..<lane.count).sorted { a, b in
                let va = x[lane[a]], vb = x[lane[b]]
                return va != vb ? (largest ? va > vb : va < vb) : a < b
            }
            var c = SeqIndex.coords(lane[0], shape)
            for m in 0..<k {
                c[axis] = m
                let o = SeqIndex.flat(c, outShape)
                values[o] = x[lane[order[m]]]
                indices[o] = Int64(order[m])
            }
        }
        return (values, indices)
    }

    static func run(_ x: [Float], shape: [Int], axis: Int, k: Int, largest: Bool, threads: Int = 1) -> (values: [Float], indices: [Int64]) {
        let e = TopKKernel.extents(shape: shape, axis: axis)
        var values = [Float](repeating: .nan, count: e.outer * k * e.inner)
        var indices = [Int64](repeating: -1, count: values.count)
        TopKKernel.run(x: x, values: &values, indices: &indices, outer: e.outer, count: e.count, inner: e.inner,
                       k: k, largest: largest, threads: threads)
        return (values, indices)
    }

    @Test(arguments: [true, false])
    func axesAndKWithManyTies(_ largest: Bool) {
        // Values from {0, 1, 2, 3}: every lane is full of ties.
        let shape = [4, 9, 6]
        var rng = SeqRNG(seed: 41)
        let x = (0..<shape.reduce(1, *)).map { _ in Float(rng.int(0...3)) }
        for axis in [0, 1, 2] {
            for k in [1, 3, shape[axis]] {
                let got = Self.run(x, shape: shape, axis: axis, k: k, largest: largest)
                let want = Self.reference(x, shape: shape, axis: axis, k: k, largest: largest)
                #expect(got.values == want.values, "axis \(axis) k \(k)")
                #expect(got.indices == want.indices, "axis \(axis) k \(k)")
            }
        }
    }

    @Test(arguments: [true, false])
    func distinctValuesAndThreads(_ largest: Bool) {
        let shape = [40, 500]
        var rng = SeqRNG(seed: 42)
        let x = rng.floats(shape.reduce(1, *))
        for k in [1, 10, 500] {
            let want = Self.reference(x, shape: shape, axis: 1, k: k, largest: largest)
            for threads in [1, 2] {
                let got = Self.run(x, shape: shape, axis: -1, k: k, largest: largest, threads: threads)
                #expect(got.values == want.values && got.indices == want.indices, "k \(k) threads \(threads)")
            }
        }
    }

    @Test func explicitTiesAndNaN() {
        let x: [Float] = [5, 7, 5, 7, 1]
        #expect(Self.run(x, shape: [5], axis: 0, k: 3, largest: true).indices == [1, 3, 0])
        #expect(Self.run(x, shape: [5], axis: 0, k: 3, largest: false).indices == [4, 0, 2])
        // NaN ranks above every number: first when largest, last when smallest.
        let n: [Float] = [2, .nan, 9, .nan, -1]
        #expect(Self.run(n, shape: [5], axis: 0, k: 3, largest: true).indices == [1, 3, 2])
        #expect(Self.run(n, shape: [5], axis: 0, k: 5, largest: false).indices == [4, 0, 2, 1, 3])
        // k = 0 writes nothing.
        #expect(Self.run(x, shape: [5], axis: 0, k: 0, largest: true).indices.isEmpty)
    }
}
