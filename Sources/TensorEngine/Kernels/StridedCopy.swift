/// Copies between strided views: the one kernel behind Transpose, Slice and Concat.
public enum StridedCopy {
    /// Copies `dims` elements (row-major over `dims`) from `src` with element strides
    /// `srcStrides` into `dst` with strides `dstStrides`; elements are `elementSize` bytes.
    public static func copy(
        dims: [Int], src: UnsafeRawPointer, srcStrides: [Int], dst: UnsafeMutableRawPointer, dstStrides: [Int], elementSize: Int
    ) {
        let total = dims.reduce(1, *)
        guard total > 0 else { return }
        let rank = dims.count
        if rank == 0 {
            dst.copyMemory(from: src, byteCount: elementSize)
            return
        }
        let inner = dims[rank - 1]
        let ss = srcStrides[rank - 1], ds = dstStrides[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        var so = 0, doff = 0
        let rows = total / inner
        for _ in 0..<rows {
            if ss == 1 && ds == 1 {
                (dst + doff * elementSize).copyMemory(from: src + so * elementSize, byteCount: inner * elementSize)
            } else if elementSize == 4 {
                let s = (src + so * 4).assumingMemoryBound(to: UInt32.self)
                let d = (dst + doff * 4).assumingMemoryBound(to: UInt32.self)
                for i in 0..<inner { d[i * ds] = s[i * ss] }
            } else {
                for i in 0..<inner {
                    (dst + (doff + i * ds) * elementSize).copyMemory(from: src + (so + i * ss) * elementSize, byteCount: elementSize)
                }
            }
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                so += srcStrides[d]
                doff += dstStrides[d]
                if index[d] < dims[d] { break }
                so -= srcStrides[d] * dims[d]
                doff -= dstStrides[d] * dims[d]
                index[d] = 0
                d -= 1
            }
        }
    }
}
