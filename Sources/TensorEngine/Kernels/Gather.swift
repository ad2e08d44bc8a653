/// ONNX Gather (opset 13): picks slices of `data` along `axis` by index — an embedding
/// lookup when axis is 0. Output shape: `data[..<axis] + indices.shape + data[(axis+1)...]`.
///
/// Indices are Int64 or Int32 and may be negative (counted from the end of the axis).
/// They are often request data (token ids), so a bad one is a client error, not a bug:
/// the runner calls `validateIndices` first and reports what it throws; `run` then only
/// keeps a precondition as a last guard against reading out of bounds.
///
/// Elements are moved as bytes (`elementSize`), so float, int64 and int32 tensors share
/// the kernel.
public enum GatherKernel {
    /// An index outside `-axisCount..<axisCount`.
    public struct IndexOutOfRange: Error, Equatable, CustomStringConvertible {
        /// Position of the offending index in the (flattened) indices tensor.
        public let position: Int
        public let index: Int64
        public let axisCount: Int

        public var description: String {
            "Gather index \(index) at position \(position) is out of range for an axis of \(axisCount) (valid: \(-axisCount)...\(axisCount - 1))"
        }
    }

    /// `(outer, axisCount, inner)` of the data shape around `axis` (negative counts from
    /// the end).
    public static func extents(data: [Int], axis: Int) -> (outer: Int, axisCount: Int, inner: Int) {
        let e = SoftmaxKernel.extents(shape: data, axis: axis)
        return (e.outer, e.count, e.inner)
    }

    /// ONNX's output shape; a scalar (rank-0) indices tensor removes the axis.
    public static func outputShape(data: [Int], indices: [Int], axis: Int) -> [Int] {
        let a = axis < 0 ? axis + data.count : axis
        precondition(a >= 0 && a < data.count, "gather axis \(axis) out of range for rank \(data.count)")
        return Array(data[..<a]) + indices + Array(data[(a + 1)...])
    }

    /// Throws for the first index outside `-axisCount..<axisCount`.
    public static func validateIndices(_ indices: UnsafePointer<Int64>, count: Int, axisCount: Int) throws(IndexOutOfRange) {
        try validate(indices, count: count, axisCount: axisCount)
    }

    public static func validateIndices(_ indices: UnsafePointer<Int32>, count: Int, axisCount: Int) throws(IndexOutOfRange) {
        try validate(indices, count: count, axisCount: axisCount)
    }

    /// Gathers `indexCount` slices per outer block: output `[outer, indexCount, inner]` from
    /// data `[outer, axisCount, inner]`, elements of `elementSize` bytes.
    public static func run(
        data: UnsafeRawPointer, indices: UnsafePointer<Int64>, output: UnsafeMutableRawPointer,
        outer: Int, axisCount: Int, inner: Int, indexCount: Int, elementSize: Int, threads: Int
    ) {
        gather(data, indices, output, outer, axisCount, inner, indexCount, elementSize, threads)
    }

    public static func run(
        data: UnsafeRawPointer, indices: UnsafePointer<Int32>, output: UnsafeMutableRawPointer,
        outer: Int, axisCount: Int, inner: Int, indexCount: Int, elementSize: Int, threads: Int
    ) {
        gather(data, indices, output, outer, axisCount, inner, indexCount, elementSize, threads)
    }

    /// Float data (the embedding-table case).
    public static func run(
        data: UnsafePointer<Float>, indices: UnsafePointer<Int64>, output: UnsafeMutablePointer<Float>,
        outer: Int, axisCount: Int, inner: Int, indexCount: Int, threads: Int
    ) {
        gather(UnsafeRawPointer(data), indices, UnsafeMutableRawPointer(output), outer, axisCount, inner, indexCount, 4, threads)
    }

    private static func validate<I: BinaryInteger>(_ indices: UnsafePointer<I>, count: Int, axisCount: Int) throws(IndexOutOfRange) {
        for p in 0..<count {
            let v = Int64(indices[p])
            if v < -Int64(axisCount) || v >= Int64(axisCount) {
                throw IndexOutOfRange(position: p, index: v, axisCount: axisCount)
            }
        }
    }

    private static func gather<I: BinaryInteger>(
        _ data: UnsafeRawPointer, _ indices: UnsafePointer<I>, _ output: UnsafeMutableRawPointer,
        _ outer: Int, _ axisCount: Int, _ inner: Int, _ indexCount: Int, _ elementSize: Int, _ threads: Int
    ) {
        precondition(outer >= 0 && axisCount >= 0 && inner >= 0 && indexCount >= 0 && elementSize > 0)
        let rowBytes = inner * elementSize
        let rows = outer * indexCount
        // Gathers are memory-bound: a second thread pays only on tens of kilobytes.
        KernelThreads.forEachChunk(count: rows, threads: threads, minPerWorker: max(1, 32768 / max(1, rowBytes))) { range, _ in
            for row in range {
                let o = row / indexCount, q = row - o * indexCount
                var idx = Int(indices[q])
                if idx < 0 { idx += axisCount }
                precondition(idx >= 0 && idx < axisCount, "Gather index not validated: \(indices[q]) for axis \(axisCount)")
                let src = data + (o * axisCount + idx) * rowBytes, dst = output + row * rowBytes
                // Single elements (gathering along the last axis) as one load and store:
                // a memmove call per 4 or 8 bytes costs more than the copy.
                switch rowBytes {
                case 4: dst.storeBytes(of: src.loadUnaligned(as: UInt32.self), as: UInt32.self)
                case 8: dst.storeBytes(of: src.loadUnaligned(as: UInt64.self), as: UInt64.self)
                default: dst.copyMemory(from: src, byteCount: rowBytes)
                }
            }
        }
    }
}
