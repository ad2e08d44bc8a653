#if canImport(Glibc)
import Glibc
#endif

/// Bytes behind a tensor: either owned (64-byte aligned, freed with the storage) or
/// borrowed from something that outlives it (a memory-mapped .kiln file).
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutableRawPointer
    public let byteCount: Int
    private let owned: Bool
    /// Keeps a borrowed region's owner (the mapping) alive.
    private let owner: AnyObject?

    /// Zero-filled, 64-byte aligned: AVX-512 loads never straddle a cache line.
    public convenience init(byteCount: Int) {
        self.init(uninitializedByteCount: byteCount)
        memset(pointer, 0, max(byteCount, 64))
    }

    /// 64-byte aligned, contents undefined: for bytes the caller overwrites at once (a
    /// request body's tensor, a plan's outputs). Zeroing a 600 KB input first cost as much
    /// as the copy that followed it (perf: 65 vs 86 samples of a binary request's decode).
    public init(uninitializedByteCount byteCount: Int) {
        var raw: UnsafeMutableRawPointer?
        precondition(posix_memalign(&raw, 64, max(byteCount, 64)) == 0, "out of memory allocating \(byteCount) bytes")
        pointer = raw!
        self.byteCount = byteCount
        owned = true
        owner = nil
    }

    public init(borrowing pointer: UnsafeRawPointer, byteCount: Int, owner: AnyObject) {
        self.pointer = UnsafeMutableRawPointer(mutating: pointer)
        self.byteCount = byteCount
        owned = false
        self.owner = owner
    }

    deinit { if owned { free(pointer) } }
}

/// A dense, row-major tensor. Values are immutable by convention once handed to a plan
/// (weights are shared between threads); mutation goes through `withMutableFloats`.
public struct Tensor: Sendable {
    public var shape: Shape
    public let dtype: DType
    public let storage: TensorStorage

    public init(shape: Shape, dtype: DType = .float32) {
        self.shape = shape
        self.dtype = dtype
        storage = TensorStorage(byteCount: shape.count * dtype.size)
    }

    /// A tensor whose contents are undefined until the caller writes every element (see
    /// `TensorStorage.init(uninitializedByteCount:)`).
    public init(uninitializedShape shape: Shape, dtype: DType = .float32) {
        self.shape = shape
        self.dtype = dtype
        storage = TensorStorage(uninitializedByteCount: shape.count * dtype.size)
    }

    public init(shape: Shape, dtype: DType, storage: TensorStorage) {
        precondition(storage.byteCount >= shape.count * dtype.size, "storage smaller than shape")
        self.shape = shape
        self.dtype = dtype
        self.storage = storage
    }

    public init(shape: Shape, floats: [Float]) {
        precondition(floats.count == shape.count, "\(floats.count) values for shape \(shape)")
        self.init(uninitializedShape: shape, dtype: .float32)
        floats.withUnsafeBytes { storage.pointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    public init(shape: Shape, int64s: [Int64]) {
        precondition(int64s.count == shape.count, "\(int64s.count) values for shape \(shape)")
        self.init(uninitializedShape: shape, dtype: .int64)
        int64s.withUnsafeBytes { storage.pointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    public var count: Int { shape.count }
    public var byteCount: Int { shape.count * dtype.size }
    public var rawPointer: UnsafeMutableRawPointer { storage.pointer }
    public var floatPointer: UnsafeMutablePointer<Float> { storage.pointer.assumingMemoryBound(to: Float.self) }

    public var floats: [Float] {
        precondition(dtype == .float32)
        return Array(UnsafeBufferPointer(start: floatPointer, count: count))
    }

    /// Integer contents widened to Int64, for index and shape tensors of any integer type.
    public var int64s: [Int64] {
        switch dtype {
        case .int64: return Array(UnsafeBufferPointer(start: storage.pointer.assumingMemoryBound(to: Int64.self), count: count))
        case .int32: return UnsafeBufferPointer(start: storage.pointer.assumingMemoryBound(to: Int32.self), count: count).map(Int64.init)
        case .float32: return floats.map { Int64($0) }
        default: return UnsafeRawBufferPointer(start: storage.pointer, count: count).map(Int64.init)
        }
    }

    /// A copy with its own storage (for outputs handed to callers).
    public func copy() -> Tensor {
        let t = Tensor(shape: shape, dtype: dtype)
        t.storage.pointer.copyMemory(from: storage.pointer, byteCount: byteCount)
        return t
    }
}
