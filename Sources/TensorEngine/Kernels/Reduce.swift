/// ONNX ReduceSum, ReduceMean and ReduceMax over any set of axes, `keepdims` 0 or 1.
/// Built once per input shape at load (a small plan, so a run allocates nothing).
///
/// The plan drops size-1 dimensions and merges neighbouring dimensions that are both kept or
/// both reduced, so any axis set becomes alternating kept/reduced groups over row-major
/// data. The input is then read once, in order: the innermost group is a contiguous run,
/// either folded into one output (reduced) or added element-wise into a contiguous output
/// row (kept), and both loops are unit-stride.
///
/// Empty `axes` reduces everything (ONNX's default); `noop_with_empty_axes` = 1 is an
/// Identity, which the converter emits instead. Reductions over an empty axis give 0 (sum
/// and mean, as onnxruntime) and −∞ (max). ReduceMax propagates NaN wherever it sits;
/// onnxruntime 1.32 returns NaN only when it is a lane's first element, an accident of its
/// loop rather than a semantic worth copying.
public struct ReduceKernel: Sendable {
    /// The reduction.
    public enum Operation: Sendable { case sum, mean, max }

    public let operation: Operation
    /// The input shape the plan was built for.
    public let inputShape: [Int]
    public let outputShape: [Int]
    /// Input elements per output element.
    public let reducedCount: Int
    /// Merged groups, outermost first (the last is the innermost run).
    private let extents: [Int]
    private let reduced: [Bool]
    /// Per group: its step in input and in output elements (0 in output for reduced groups).
    private let inputStrides: [Int]
    private let outputStrides: [Int]

    /// - Parameters:
    ///   - axes: the axes to reduce, negative counting from the end; empty means all.
    public init(operation: Operation, shape: [Int], axes: [Int], keepDims: Bool) {
        self.operation = operation
        inputShape = shape
        let axisSet = Self.normalizedAxes(axes, rank: shape.count)
        outputShape = Self.outputShape(input: shape, axes: axes, keepDims: keepDims)
        reducedCount = axisSet.reduce(1) { $0 * shape[$1] }

        var ext: [Int] = [], red: [Bool] = []
        for (d, n) in shape.enumerated() where n != 1 {
            let r = axisSet.contains(d)
            if let last = red.last, last == r {
                ext[ext.count - 1] *= n
            } else {
                ext.append(n)
                red.append(r)
            }
        }
        if ext.isEmpty {  // a scalar, or only size-1 dimensions: one element in, one out
            ext = [1]
            red = [false]
        }
        var inS = [Int](repeating: 0, count: ext.count), outS = inS
        var inAcc = 1, outAcc = 1
        for g in stride(from: ext.count - 1, through: 0, by: -1) {
            inS[g] = inAcc
            inAcc *= ext[g]
            if !red[g] {
                outS[g] = outAcc
                outAcc *= ext[g]
            }
        }
        extents = ext
        reduced = red
        inputStrides = inS
        outputStrides = outS
    }

    /// The reduced axes as sorted non-negative positions; empty `axes` means all of them.
    public static func normalizedAxes(_ axes: [Int], rank: Int) -> [Int] {
        if axes.isEmpty { return Array(0..<rank) }
        let positive = axes.map { a -> Int in
            let p = a < 0 ? a + rank : a
            precondition(p >= 0 && p < rank, "reduce axis \(a) out of range for rank \(rank)")
            return p
        }
        return Array(Set(positive)).sorted()
    }

    /// ONNX's output shape: reduced axes become 1 (`keepDims`) or disappear.
    public static func outputShape(input: [Int], axes: [Int], keepDims: Bool) -> [Int] {
        let r = Set(normalizedAxes(axes, rank: input.count))
        return input.indices.compactMap { d in r.contains(d) ? (keepDims ? 1 : nil) : input[d] }
    }

    /// y (`outputShape`) = the reduction of x (`inputShape`). Threads split the outermost
    /// group when it is kept (disjoint outputs); a reduced outermost group runs on one.
    public func run(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, threads: Int) {
        let outCount = outputShape.reduce(1, *)
        y.update(repeating: operation == .max ? -.infinity : 0, count: outCount)
        extents.withUnsafeBufferPointer { ext in
            reduced.withUnsafeBufferPointer { red in
                inputStrides.withUnsafeBufferPointer { inS in
                    outputStrides.withUnsafeBufferPointer { outS in
                        accumulate(x: x, y: y, ext: ext, red: red, inS: inS, outS: outS, threads: threads)
                    }
                }
            }
        }
        if operation == .mean && reducedCount > 0 {
            let scale = 1 / Float(reducedCount)
            for i in 0..<outCount { y[i] *= scale }
        }
    }

    private func accumulate(
        x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, ext: UnsafeBufferPointer<Int>,
        red: UnsafeBufferPointer<Bool>, inS: UnsafeBufferPointer<Int>, outS: UnsafeBufferPointer<Int>, threads: Int
    ) {
        let groups = ext.count, run = ext[groups - 1], innerReduced = red[groups - 1]
        // Runs to visit: every combination of the outer groups' indices.
        let runs = ext[..<(groups - 1)].reduce(1, *)
        guard run > 0, runs > 0 else { return }
        let isMax = operation == .max
        // Splitting the outermost group is safe only when it is kept and is not the run.
        let splittable = groups > 1 && !red[0]
        let perOuter = splittable ? runs / ext[0] : runs
        KernelThreads.forEachChunk(
            count: splittable ? ext[0] : 1, threads: splittable ? threads : 1,
            minPerWorker: max(1, 16384 / max(1, perOuter * run))
        ) { outerRange, _ in
            for r in (outerRange.lowerBound * perOuter)..<(outerRange.upperBound * perOuter) {
                // Decompose the run number into group indices, innermost outer group first.
                var rest = r, xOff = 0, yOff = 0
                for g in stride(from: groups - 2, through: 0, by: -1) {
                    let i = rest % ext[g]
                    rest /= ext[g]
                    xOff += i * inS[g]
                    yOff += i * outS[g]
                }
                let xs = x + xOff, ys = y + yOff
                if innerReduced {
                    if isMax {
                        let m = VectorLoops.max(xs, count: run)
                        if m > ys[0] || m.isNaN { ys[0] = m }
                    } else {
                        ys[0] += VectorLoops.sum(xs, count: run)
                    }
                } else if isMax {
                    for k in 0..<run where xs[k] > ys[k] || xs[k].isNaN { ys[k] = xs[k] }
                } else {
                    for k in 0..<run { ys[k] += xs[k] }
                }
            }
        }
    }
}
