/// The vector operations the depthwise and pooling blocks use, as protocol requirements so
/// a generic block specialises to each concrete SIMD type's own vector operators. The
/// generic `SIMD` helpers can be far slower: `pointwiseMax` and `clamped` on SIMD8<Float>
/// compile to a scalar loop with NaN branches per lane.
protocol StridedLanes {
    static func splat(_ x: Float) -> Self
    /// Lanes consecutive floats from `p` (unaligned).
    static func load(_ p: UnsafePointer<Float>) -> Self
    /// Every second float of the 2·lanes − 1 floats from `p` (stride 2). Two loads that
    /// overlap by one float, so nothing past the last needed float is read.
    static func loadEven(_ p: UnsafePointer<Float>) -> Self
    /// acc + w·x: one fused multiply-add per lane in the Haswell build (vfmadd), a separate
    /// multiply and add in the portable one (baseline x86-64 has no FMA instruction, and a
    /// fused multiply-add there would be a library call per lane).
    static func multiplyAdd(_ acc: Self, _ w: Float, _ x: Self) -> Self
    static func add(_ a: Self, _ b: Self) -> Self
    /// Lane-wise `x > best ? x : best` (a compare and a blend; NaN in `x` never wins, as in
    /// the scalar pooling loop).
    static func maximum(_ best: Self, _ x: Self) -> Self
    /// Lane-wise `x < lo ? lo : (x > hi ? hi : x)` (NaN stays NaN).
    static func clamp(_ x: Self, _ lo: Float, _ hi: Float) -> Self
}

extension SIMD8: StridedLanes where Scalar == Float {
    @inline(__always) static func splat(_ x: Float) -> Self { Self(repeating: x) }
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(p).loadUnaligned(as: Self.self)
    }
    @inline(__always) static func loadEven(_ p: UnsafePointer<Float>) -> Self {
        let low = UnsafeRawPointer(p).loadUnaligned(as: Self.self)
        let high = UnsafeRawPointer(p + 7).loadUnaligned(as: Self.self)
        return Self(lowHalf: low.evenHalf, highHalf: high.oddHalf)
    }
    @inline(__always) static func multiplyAdd(_ acc: Self, _ w: Float, _ x: Self) -> Self {
        #if KILN_PORTABLE
        acc + Self(repeating: w) * x
        #else
        acc.addingProduct(Self(repeating: w), x)
        #endif
    }
    @inline(__always) static func add(_ a: Self, _ b: Self) -> Self { a + b }
    @inline(__always) static func maximum(_ best: Self, _ x: Self) -> Self { best.replacing(with: x, where: x .> best) }
    @inline(__always) static func clamp(_ x: Self, _ lo: Float, _ hi: Float) -> Self {
        let low = x.replacing(with: lo, where: x .< Self(repeating: lo))
        return low.replacing(with: hi, where: low .> Self(repeating: hi))
    }
}

extension SIMD16: StridedLanes where Scalar == Float {
    @inline(__always) static func splat(_ x: Float) -> Self { Self(repeating: x) }
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(p).loadUnaligned(as: Self.self)
    }
    @inline(__always) static func loadEven(_ p: UnsafePointer<Float>) -> Self {
        let low = UnsafeRawPointer(p).loadUnaligned(as: Self.self)
        let high = UnsafeRawPointer(p + 15).loadUnaligned(as: Self.self)
        return Self(lowHalf: low.evenHalf, highHalf: high.oddHalf)
    }
    @inline(__always) static func multiplyAdd(_ acc: Self, _ w: Float, _ x: Self) -> Self {
        #if KILN_PORTABLE
        acc + Self(repeating: w) * x
        #else
        acc.addingProduct(Self(repeating: w), x)
        #endif
    }
    @inline(__always) static func add(_ a: Self, _ b: Self) -> Self { a + b }
    @inline(__always) static func maximum(_ best: Self, _ x: Self) -> Self { best.replacing(with: x, where: x .> best) }
    @inline(__always) static func clamp(_ x: Self, _ lo: Float, _ hi: Float) -> Self {
        let low = x.replacing(with: lo, where: x .< Self(repeating: lo))
        return low.replacing(with: hi, where: low .> Self(repeating: hi))
    }
}
