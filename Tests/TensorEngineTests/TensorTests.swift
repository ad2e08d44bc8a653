import Testing
@testable import TensorEngine

/// Tensor storage: zero-filled by default, uninitialised on request, 64-byte aligned either way.
@Suite struct TensorTests {
    @Test func defaultStorageIsZeroedAndAligned() {
        // Dirty the allocator first, so a zeroing that went missing would show old bytes.
        for _ in 0..<8 {
            let dirty = Tensor(uninitializedShape: Shape([3, 1000]))
            for i in 0..<dirty.count { dirty.floatPointer[i] = 7 }
        }
        let t = Tensor(shape: Shape([3, 1000]))
        #expect(Int(bitPattern: t.rawPointer) % 64 == 0)
        #expect(t.floats.allSatisfy { $0 == 0 })
    }

    @Test func uninitializedStorageHasTheShapeAndAlignment() {
        for (dims, dtype) in [([1, 3, 224, 224], DType.float32), ([5, 7], .int64), ([0], .float32), ([3], .uint8)] {
            let t = Tensor(uninitializedShape: Shape(dims), dtype: dtype)
            #expect(t.shape.dims == dims)
            #expect(t.byteCount == dims.reduce(1, *) * dtype.size)
            #expect(t.storage.byteCount == t.byteCount)
            #expect(Int(bitPattern: t.rawPointer) % 64 == 0)
        }
    }

    @Test func arrayInitialisersCopyEveryValue() {
        let f = Tensor(shape: Shape([2, 3]), floats: [1, -2, 3.5, 0, 5, 6])
        #expect(f.floats == [1, -2, 3.5, 0, 5, 6])
        let i = Tensor(shape: Shape([4]), int64s: [9, -1, 0, .max])
        #expect(i.int64s == [9, -1, 0, .max])
    }
}
