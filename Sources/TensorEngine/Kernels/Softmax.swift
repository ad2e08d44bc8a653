#if canImport(Glibc)
import Glibc
#endif

/// ONNX Softmax and LogSoftmax (opset 13 semantics: normalise along one axis of a tensor of
/// any rank, not the pre-13 "flatten to 2-D" rule — the converter maps opsets < 13).
///
/// A tensor viewed as `[outer, count, inner]` around the axis has `outer·inner` independent
/// lanes of `count` elements, `inner` apart. The maximum of each lane is subtracted before
/// exponentiating, so large logits cannot overflow `expf` (e^89 is already infinite).
/// `y` may be `x` (in place).
public enum SoftmaxKernel {
    /// `(outer, count, inner)` of `shape` around `axis` (negative counts from the end).
    public static func extents(shape: [Int], axis: Int) -> (outer: Int, count: Int, inner: Int) {
        let a = axis < 0 ? axis + shape.count : axis
        precondition(a >= 0 && a < shape.count, "softmax axis \(axis) out of range for rank \(shape.count)")
        return (shape[..<a].reduce(1, *), shape[a], shape[(a + 1)...].reduce(1, *))
    }

    /// y = exp(x − max) / Σ exp(x − max) along each lane.
    public static func softmax(
        x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
        outer: Int, count: Int, inner: Int, threads: Int
    ) {
        run(log: false, x: x, y: y, outer: outer, count: count, inner: inner, threads: threads)
    }

    /// y = x − max − log Σ exp(x − max) along each lane: exact where log(softmax) would
    /// underflow to −∞.
    public static func logSoftmax(
        x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
        outer: Int, count: Int, inner: Int, threads: Int
    ) {
        run(log: true, x: x, y: y, outer: outer, count: count, inner: inner, threads: threads)
    }

    private static func run(
        log: Bool, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
        outer: Int, count: Int, inner: Int, threads: Int
    ) {
        precondition(outer >= 0 && count >= 0 && inner >= 0)
        guard count > 0 else { return }
        if inner == 1 {
            // A worker's share should be worth a dispatch (`KernelThreads.minElementsPerWorker`).
            KernelThreads.forEachChunk(count: outer, threads: threads, minPerWorker: max(1, KernelThreads.minElementsPerWorker / count)) { rows, _ in
                for row in rows { contiguousLane(log: log, x: x + row * count, y: y + row * count, count: count) }
            }
            return
        }
        // An inner axis: lanes (o, i) and (o, i + 1) are neighbours in memory, so eight of
        // them go through the vector units together.
        let groupsPerOuter = (inner + 7) / 8
        KernelThreads.forEachChunk(
            count: outer * groupsPerOuter, threads: threads, minPerWorker: max(1, KernelThreads.minElementsPerWorker / 8 / count)
        ) { groups, _ in
            for group in groups {
                let o = group / groupsPerOuter, i0 = (group - o * groupsPerOuter) * 8
                let base = o * count * inner + i0
                if inner - i0 >= 8 {
                    laneGroup(log: log, x: x + base, y: y + base, count: count, stride: inner)
                } else {
                    for i in 0..<(inner - i0) {
                        stridedLane(log: log, x: x + base + i, y: y + base + i, count: count, stride: inner)
                    }
                }
            }
        }
    }

    /// The common case (last axis): unit stride, so max, exp-and-sum and scale all run
    /// eight lanes at a time (`VectorMath.exp` instead of one `expf` call per element).
    @inline(__always)
    private static func contiguousLane(log: Bool, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int) {
        let m = VectorLoops.max(x, count: count)
        if log {
            // The sum alone: y may be x, and x is still needed below.
            // (x − max) first: it is exact for nearby values, whereas folding log Σ into the
            // max would round it to the max's ulp (≈1e-3 at 1e4).
            let logSum = logf(VectorMath.expShifted(x, nil, count: count, shift: m))
            for k in 0..<count { y[k] = (x[k] - m) - logSum }
        } else {
            let scale = 1 / VectorMath.expShifted(x, y, count: count, shift: m)
            for k in 0..<count { y[k] *= scale }
        }
    }

    /// Eight adjacent lanes of an inner axis, their k-th elements loaded as one vector.
    @inline(__always)
    private static func laneGroup(
        log: Bool, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int, stride: Int
    ) {
        typealias V = SIMD8<Float>
        func load(_ k: Int) -> V { UnsafeRawPointer(x + k * stride).loadUnaligned(as: V.self) }
        func store(_ v: V, _ k: Int) { UnsafeMutableRawPointer(y + k * stride).storeBytes(of: v, as: V.self) }
        var m = load(0)
        var nan = m .!= m
        for k in 1..<count {
            let v = load(k)
            nan .|= v .!= v
            m.replace(with: v, where: v .> m)  // pointwiseMax is an out-of-line call
        }
        m.replace(with: .nan, where: nan)
        var sum = V(repeating: 0)
        if log {
            for k in 0..<count { sum += VectorMath.exp(load(k) - m) }
            var logSum = sum
            for l in 0..<8 { logSum[l] = logf(sum[l]) }
            for k in 0..<count { store((load(k) - m) - logSum, k) }
        } else {
            for k in 0..<count {
                let e = VectorMath.exp(load(k) - m)
                store(e, k)
                sum += e
            }
            let scale = 1 / sum
            for k in 0..<count {
                let e = UnsafeRawPointer(y + k * stride).loadUnaligned(as: V.self)
                store(e * scale, k)
            }
        }
    }

    /// One lane of an inner axis, its elements `stride` apart: the up to seven lanes at
    /// the end of a row that do not fill a vector.
    @inline(__always)
    private static func stridedLane(
        log: Bool, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int, stride: Int
    ) {
        var m = x[0]
        for k in 1..<count where x[k * stride] > m || x[k * stride].isNaN { m = x[k * stride] }
        var sum: Float = 0
        if log {
            for k in 0..<count { sum += expf(x[k * stride] - m) }
            let logSum = logf(sum)
            for k in 0..<count { y[k * stride] = (x[k * stride] - m) - logSum }
        } else {
            for k in 0..<count {
                let e = expf(x[k * stride] - m)
                y[k * stride] = e
                sum += e
            }
            let scale = 1 / sum
            for k in 0..<count { y[k * stride] *= scale }
        }
    }
}
