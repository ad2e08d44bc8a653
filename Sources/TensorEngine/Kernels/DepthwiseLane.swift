/// The vector operations the depthwise blocks use, as protocol requirements so a generic
/// block specialises to each concrete SIMD type's own vector operators (the generic `SIMD`
/// operators are lane-by-lane loops the optimiser does not always vectorise).
protocol DepthwiseLane {
    static func splat(_ x: Float) -> Self
    /// Lanes consecutive floats from `p` (unaligned).
    static func load(_ p: UnsafePointer<Float>) -> Self
    /// Every second float of the 2·lanes − 1 floats from `p` (stride 2). Two loads that
    /// overlap by one float, so nothing past the last needed float is read.
    static func loadEven(_ p: UnsafePointer<Float>) -> Self
    /// acc + w·x (a separate multiply and add: baseline x86-64 has no FMA instruction, and
    /// a fused multiply-add there would be a library call per lane).
    static func multiplyAdd(_ acc: Self, _ w: Float, _ x: Self) -> Self
    static func add(_ a: Self, _ b: Self) -> Self
}

extension SIMD8: DepthwiseLane where Scalar == Float {
    @inline(__always) static func splat(_ x: Float) -> Self { Self(repeating: x) }
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(p).loadUnaligned(as: Self.self)
    }
    @inline(__always) static func loadEven(_ p: UnsafePointer<Float>) -> Self {
        let low = UnsafeRawPointer(p).loadUnaligned(as: Self.self)
        let high = UnsafeRawPointer(p + 7).loadUnaligned(as: Self.self)
        return Self(lowHalf: low.evenHalf, highHalf: high.oddHalf)
    }
    @inline(__always) static func multiplyAdd(_ acc: Self, _ w: Float, _ x: Self) -> Self { acc + Self(repeating: w) * x }
    @inline(__always) static func add(_ a: Self, _ b: Self) -> Self { a + b }
}

extension SIMD16: DepthwiseLane where Scalar == Float {
    @inline(__always) static func splat(_ x: Float) -> Self { Self(repeating: x) }
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(p).loadUnaligned(as: Self.self)
    }
    @inline(__always) static func loadEven(_ p: UnsafePointer<Float>) -> Self {
        let low = UnsafeRawPointer(p).loadUnaligned(as: Self.self)
        let high = UnsafeRawPointer(p + 15).loadUnaligned(as: Self.self)
        return Self(lowHalf: low.evenHalf, highHalf: high.oddHalf)
    }
    @inline(__always) static func multiplyAdd(_ acc: Self, _ w: Float, _ x: Self) -> Self { acc + Self(repeating: w) * x }
    @inline(__always) static func add(_ a: Self, _ b: Self) -> Self { a + b }
}
