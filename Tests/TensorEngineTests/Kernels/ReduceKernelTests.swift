import Testing
@testable import TensorEngine

/// ReduceSum / ReduceMean / ReduceMax over axis sets against a Double reference.
@Suite struct ReduceKernelTests {
    static func reference(_ x: [Float], shape: [Int], axes: [Int], op: ReduceKernel.Operation) -> [Double] {
        let rank = shape.count
        let r = Set(axes.isEmpty ? Array(0..<rank) : axes.map { $0 < 0 ? $0 + rank : $0 })
        let outShape = shape.indices.map { r.contains($0) ? 1 : shape[$0] }
        var acc = [Double](repeating: op == .max ? -.infinity : 0, count: outShape.reduce(1, *))
        var n = [Int](repeating: 0, count: acc.count)
        for f in x.indices {
            var c = SeqIndex.coords(f, shape)
            for d in r { c[d] = 0 }
            let o = SeqIndex.flat(c, outShape)
            acc[o] = op == .max ? max(acc[o], Double(x[f])) : acc[o] + Double(x[f])
            n[o] += 1
        }
        return op == .mean ? zip(acc, n).map { $0 / Double($1) } : acc
    }

    static func run(_ x: [Float], shape: [Int], axes: [Int], keepDims: Bool, op: ReduceKernel.Operation, threads: Int) -> [Float] {
        let k = ReduceKernel(operation: op, shape: shape, axes: axes, keepDims: keepDims)
        var y = [Float](repeating: .nan, count: k.outputShape.reduce(1, *))
        k.run(x: x, y: &y, threads: threads)
        return y
    }

    static let axisSets: [[Int]] = [[], [0], [1], [2], [3], [-1], [0, 2], [1, 3], [0, 3], [1, 2], [0, 1, 2, 3], [2, 0, -2]]

    @Test(arguments: [ReduceKernel.Operation.sum, .mean, .max])
    func axisSetsOfRank4(_ op: ReduceKernel.Operation) {
        // A size-1 dimension in the middle: it is dropped whether reduced or kept.
        let shape = [3, 1, 4, 5]
        var rng = SeqRNG(seed: 31)
        let x = rng.floats(60, -2, 2)
        for axes in Self.axisSets {
            let want = Self.reference(x, shape: shape, axes: axes, op: op)
            for keep in [false, true] {
                seqExpectClose(Self.run(x, shape: shape, axes: axes, keepDims: keep, op: op, threads: 1), want, "axes \(axes) keep \(keep)")
            }
        }
    }

    @Test func outputShapes() {
        let s = [3, 1, 4, 5]
        #expect(ReduceKernel.outputShape(input: s, axes: [0, 2], keepDims: true) == [1, 1, 1, 5])
        #expect(ReduceKernel.outputShape(input: s, axes: [0, 2], keepDims: false) == [1, 5])
        #expect(ReduceKernel.outputShape(input: s, axes: [], keepDims: false) == [])
        #expect(ReduceKernel.outputShape(input: s, axes: [], keepDims: true) == [1, 1, 1, 1])
        #expect(ReduceKernel.outputShape(input: s, axes: [-1, 3], keepDims: false) == [3, 1, 4])
        #expect(ReduceKernel.normalizedAxes([-1, 0, 3], rank: 4) == [0, 3])
        #expect(ReduceKernel(operation: .mean, shape: s, axes: [1, 3], keepDims: false).reducedCount == 5)
    }

    @Test(arguments: [ReduceKernel.Operation.sum, .mean, .max])
    func threadsOnLargerTensors(_ op: ReduceKernel.Operation) {
        let shape = [64, 50, 24]
        var rng = SeqRNG(seed: 32)
        let x = rng.floats(shape.reduce(1, *))
        for axes in [[1], [2], [0], [0, 2], [1, 2]] {
            seqExpectClose(
                Self.run(x, shape: shape, axes: axes, keepDims: true, op: op, threads: 2),
                Self.reference(x, shape: shape, axes: axes, op: op), "axes \(axes)")
        }
    }

    @Test func edgeCases() {
        // Scalar input: one element out.
        #expect(Self.run([4], shape: [], axes: [], keepDims: false, op: .sum, threads: 1) == [4])
        // NaN propagates through max.
        #expect(Self.run([1, .nan, 3, 2], shape: [4], axes: [0], keepDims: false, op: .max, threads: 1)[0].isNaN)
        #expect(Self.run([1, .nan, 3, 2], shape: [2, 2], axes: [0], keepDims: false, op: .max, threads: 1).map(\.isNaN) == [false, true])
        // Empty reduced axis: sum and mean 0 (as onnxruntime), max −∞.
        #expect(Self.run([], shape: [2, 0], axes: [1], keepDims: false, op: .mean, threads: 1) == [0, 0])
        #expect(Self.run([], shape: [2, 0], axes: [1], keepDims: false, op: .sum, threads: 1) == [0, 0])
        #expect(Self.run([], shape: [2, 0], axes: [1], keepDims: false, op: .max, threads: 1) == [-.infinity, -.infinity])
    }
}
