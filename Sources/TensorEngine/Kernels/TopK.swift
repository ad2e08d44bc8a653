/// ONNX TopK (opset 11+): the `k` largest (or smallest) elements along one axis, with their
/// indices, in order best first.
///
/// Order is a strict total order, so the result is unique and matches onnxruntime whatever
/// the algorithm: by value, ties broken by the lower index (for largest and smallest alike),
/// and NaN ranks above every number (first for largest, last for smallest), NaNs among
/// themselves by index. `sorted` = 0 leaves the order to the implementation; this kernel
/// returns sorted output either way.
///
/// Each lane keeps a heap of its k best indices (worst at the root) built directly in the
/// `indices` output, so no scratch is needed: O(count · log k) per lane, then the heap is
/// sorted in place.
public enum TopKKernel {
    /// `(outer, count, inner)` of `shape` around `axis` (negative counts from the end); the
    /// outputs have shape `shape` with `shape[axis]` replaced by k.
    public static func extents(shape: [Int], axis: Int) -> (outer: Int, count: Int, inner: Int) {
        SoftmaxKernel.extents(shape: shape, axis: axis)
    }

    /// values and indices `[outer, k, inner]` from x `[outer, count, inner]`; `k ≤ count`.
    public static func run(
        x: UnsafePointer<Float>, values: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int64>,
        outer: Int, count: Int, inner: Int, k: Int, largest: Bool, threads: Int
    ) {
        precondition(k >= 0 && k <= count && outer >= 0 && inner >= 0, "TopK k \(k) out of 0...\(count)")
        guard k > 0 else { return }
        let lanes = outer * inner
        KernelThreads.forEachChunk(count: lanes, threads: threads, minPerWorker: max(1, 8192 / count)) { range, _ in
            for lane in range {
                let o = lane / inner, i = lane - o * inner
                let l = Lane(
                    x: x + o * count * inner + i, heap: indices + o * k * inner + i,
                    stride: inner, largest: largest)
                l.select(count: count, k: k)
                for m in 0..<k { values[o * k * inner + i + m * inner] = l.value(l.slot(m)) }
            }
        }
    }
}

/// One lane of TopK: its values (`stride` apart) and the k output index slots it uses as
/// a heap (also `stride` apart).
private struct Lane {
    let x: UnsafePointer<Float>
    let heap: UnsafeMutablePointer<Int64>
    let stride: Int
    let largest: Bool

    @inline(__always)
    func value(_ index: Int) -> Float { x[index * stride] }

    @inline(__always)
    func slot(_ m: Int) -> Int { Int(heap[m * stride]) }

    /// Whether element `a` ranks before element `b` in the output.
    @inline(__always)
    func better(_ a: Int, _ b: Int) -> Bool {
        let va = value(a), vb = value(b)
        if va.isNaN || vb.isNaN {
            if va.isNaN != vb.isNaN { return va.isNaN == largest }
            return a < b
        }
        if va != vb { return largest ? va > vb : va < vb }
        return a < b
    }

    /// Restores the heap (each parent ranks after its children) below slot `m` of `size`.
    @inline(__always)
    func siftDown(_ m: Int, size: Int) {
        var parent = m
        while true {
            let left = 2 * parent + 1
            if left >= size { return }
            var worst = left
            let right = left + 1
            if right < size && better(slot(left), slot(right)) { worst = right }
            if !better(slot(parent), slot(worst)) { return }
            swapSlots(parent, worst)
            parent = worst
        }
    }

    @inline(__always)
    func swapSlots(_ a: Int, _ b: Int) {
        let t = heap[a * stride]
        heap[a * stride] = heap[b * stride]
        heap[b * stride] = t
    }

    /// Leaves the k best indices in the slots, best first.
    func select(count: Int, k: Int) {
        for m in 0..<k { heap[m * stride] = Int64(m) }
        for m in Swift.stride(from: k / 2 - 1, through: 0, by: -1) { siftDown(m, size: k) }
        // Most elements lose to the current k-th best at a single comparison with its value
        // (kept in a register); only those that do not take the full tie-and-NaN order. A
        // NaN on either side fails the quick test and goes the full way.
        var worst = value(slot(0))
        for c in k..<count {
            let v = value(c)
            if largest ? v < worst : v > worst { continue }
            if better(c, slot(0)) {
                heap[0] = Int64(c)
                siftDown(0, size: k)
                worst = value(slot(0))
            }
        }
        // Heapsort: move the worst to the end, shrink, repeat — best ends up first.
        for size in Swift.stride(from: k - 1, to: 0, by: -1) {
            swapSlots(0, size)
            siftDown(0, size: size)
        }
    }
}
