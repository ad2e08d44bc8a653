import CKilnKernels

/// A constant GEMM operand (conv filters, Gemm/MatMul weights) packed once, at plan time,
/// into the micro-panels of `CKilnKernels` for one instruction set: A as ⌈M/MR⌉ panels of
/// K×MR floats, or B as ⌈N/NR⌉ panels of K×NR floats. Immutable after init, so one instance
/// serves any number of concurrent runs.
public final class PackedOperand: @unchecked Sendable {
    /// Which side of the product the operand is on.
    public enum Side: Sendable { case a, b }

    public let side: Side
    /// M for an A operand, N for a B operand.
    public let outer: Int
    /// The shared dimension K.
    public let k: Int
    /// The micro-kernel the panels are laid out for; runs must use the same one.
    public let isa: kiln_gemm_isa
    /// 64-byte aligned panels (a cache line, and a whole zmm load).
    let panels: UnsafeMutablePointer<Float>
    let count: Int

    /// Packs an operand whose element (outer index x, shared index kk) is
    /// `source[x·outerStride + kk·kStride]`, scaled by `scale` (Gemm's alpha, folded in here).
    /// - A row-major A [M, K]: outerStride = K, kStride = 1.
    /// - A row-major B [K, N]: outerStride = 1, kStride = N; Bᵀ stored [N, K]: K and 1.
    public init(
        side: Side, outer: Int, k: Int, source: UnsafePointer<Float>, outerStride: Int, kStride: Int,
        scale: Float = 1, isa: kiln_gemm_isa = GEMMKernel.isa
    ) {
        precondition(outer >= 1 && k >= 1, "a packed operand needs at least one row and one column")
        self.side = side
        self.outer = outer
        self.k = k
        self.isa = isa
        count = side == .a
            ? kiln_gemm_packed_a_count(isa, Int32(outer), Int32(k)) : kiln_gemm_packed_b_count(isa, Int32(k), Int32(outer))
        panels = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64).bindMemory(to: Float.self, capacity: max(count, 1))
        if side == .a {
            kiln_gemm_pack_a(isa, Int32(outer), Int32(k), source, outerStride, kStride, panels)
        } else {
            kiln_gemm_pack_b(isa, Int32(k), Int32(outer), source, kStride, outerStride, panels)
        }
        if scale != 1 {
            for i in 0..<count { panels[i] *= scale }
        }
    }

    deinit { UnsafeMutableRawPointer(panels).deallocate() }

    /// Array convenience (tests, weights re-laid out at load).
    public static func packing(
        _ source: [Float], side: Side, outer: Int, k: Int, outerStride: Int, kStride: Int, scale: Float = 1,
        isa: kiln_gemm_isa = GEMMKernel.isa
    ) -> PackedOperand {
        source.withUnsafeBufferPointer {
            PackedOperand(side: side, outer: outer, k: k, source: $0.baseAddress!, outerStride: outerStride, kStride: kStride, scale: scale, isa: isa)
        }
    }
}
