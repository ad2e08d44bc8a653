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
        let lanes = outer * inner
        // A worker's share should be worth a dispatch: a few thousand elements at least.
        let minLanes = max(1, 8192 / count)
        KernelThreads.forEachChunk(count: lanes, threads: threads, minPerWorker: minLanes) { range, _ in
            for lane in range {
                // Lane (o, i) starts at o·count·inner + i; for inner == 1 that is lane·count.
                let o = lane / inner, i = lane - o * inner
                let base = o * count * inner + i
                if inner == 1 {
                    contiguousLane(log: log, x: x + base, y: y + base, count: count)
                } else {
                    stridedLane(log: log, x: x + base, y: y + base, count: count, stride: inner)
                }
            }
        }
    }

    /// The common case (last axis): unit stride, so the max, sum and scale loops vectorise.
    @inline(__always)
    private static func contiguousLane(log: Bool, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int) {
        let m = VectorLoops.max(x, count: count)
        var sum: Float = 0
        if log {
            for k in 0..<count { sum += expf(x[k] - m) }
            // (x − max) first: it is exact for nearby values, whereas folding log Σ into the
            // max would round it to the max's ulp (≈1e-3 at 1e4).
            let logSum = logf(sum)
            for k in 0..<count { y[k] = (x[k] - m) - logSum }
        } else {
            for k in 0..<count {
                let e = expf(x[k] - m)
                y[k] = e
                sum += e
            }
            let scale = 1 / sum
            for k in 0..<count { y[k] *= scale }
        }
    }

    /// An inner axis: the lane's elements are `stride` apart. Neighbouring lanes share cache
    /// lines, and a worker takes adjacent lanes, so each line is fetched once per block.
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
