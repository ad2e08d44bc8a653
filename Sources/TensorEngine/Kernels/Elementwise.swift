#if canImport(Glibc)
import Glibc
#endif

/// Element-wise kernels: binary arithmetic with broadcasting and unary math.
public enum ElementwiseKernel {
    /// A binary operator.
    public enum Binary: Sendable { case add, sub, mul, div, pow }

    /// A unary operator (activations live in `Activation`).
    public enum Unary: Sendable { case sqrt, neg, exp, log, erf, geluExact, geluTanh, activation(Activation) }

    /// out = a ∘ b over a coalesced broadcast plan (strides in elements).
    /// Coalesced plans of rank 1 and 2 (same shapes; a bias or a scalar against a tensor;
    /// every Add/Mul/Div of transformer_block) run without the odometer, whose index arrays
    /// cost two allocations a call.
    public static func binary(_ op: Binary, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, plan: Broadcast.Plan) {
        let inner = plan.dims.last!
        let sa = plan.strides[0].last!
        let sb = plan.strides[1].last!
        switch plan.dims.count {
        case 1:
            row(op, a, sa, b, sb, out, inner)
            return
        case 2:
            let ra = plan.strides[0][0], rb = plan.strides[1][0]
            for r in 0..<plan.dims[0] { row(op, a + r * ra, sa, b + r * rb, sb, out + r * inner, inner) }
            return
        default:
            break
        }
        forEachRow(plan) { outOffset, offsets in
            row(op, a + offsets[0], sa, b + offsets[1], sb, out + outOffset, inner)
        }
    }

    /// Integer arithmetic for index and shape tensors (division truncates, as in C and ONNX).
    public static func binaryInt64(_ op: Binary, _ a: UnsafePointer<Int64>, _ b: UnsafePointer<Int64>, _ out: UnsafeMutablePointer<Int64>, plan: Broadcast.Plan) {
        let inner = plan.dims.last!
        let sa = plan.strides[0].last!
        let sb = plan.strides[1].last!
        forEachRow(plan) { o, offsets in
            for i in 0..<inner {
                let x = a[offsets[0] + i * sa], y = b[offsets[1] + i * sb]
                switch op {
                case .add: out[o + i] = x &+ y
                case .sub: out[o + i] = x &- y
                case .mul: out[o + i] = x &* y
                case .div: out[o + i] = y == 0 ? 0 : x / y
                case .pow: out[o + i] = Int64(Foundation_pow(Double(x), Double(y)))
                }
            }
        }
    }

    /// Visits every innermost row: the output offset and each input's offset.
    @inline(__always)
    static func forEachRow(_ plan: Broadcast.Plan, _ body: (Int, [Int]) -> Void) {
        let rank = plan.dims.count
        let inner = plan.dims[rank - 1]
        var rows = 1
        for d in plan.dims.dropLast() { rows *= d }
        var index = [Int](repeating: 0, count: max(rank - 1, 0))
        var offsets = [Int](repeating: 0, count: plan.strides.count)
        for r in 0..<rows {
            body(r * inner, offsets)
            // Odometer increment over the outer dimensions.
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                for k in offsets.indices { offsets[k] += plan.strides[k][d] }
                if index[d] < plan.dims[d] { break }
                for k in offsets.indices { offsets[k] -= plan.strides[k][d] * plan.dims[d] }
                index[d] = 0
                d -= 1
            }
        }
    }

    @inline(__always)
    static func row(_ op: Binary, _ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        // Separate loops per stride pattern so the contiguous case vectorises.
        switch (op, sa, sb) {
        case (.add, 1, 1): for i in 0..<n { out[i] = a[i] + b[i] }
        case (.add, 1, 0): let y = b[0]; for i in 0..<n { out[i] = a[i] + y }
        case (.add, 0, 1): let x = a[0]; for i in 0..<n { out[i] = x + b[i] }
        case (.sub, 1, 1): for i in 0..<n { out[i] = a[i] - b[i] }
        case (.sub, 1, 0): let y = b[0]; for i in 0..<n { out[i] = a[i] - y }
        case (.mul, 1, 1): for i in 0..<n { out[i] = a[i] * b[i] }
        case (.mul, 1, 0): let y = b[0]; for i in 0..<n { out[i] = a[i] * y }
        case (.mul, 0, 1): let x = a[0]; for i in 0..<n { out[i] = x * b[i] }
        case (.div, 1, 1): for i in 0..<n { out[i] = a[i] / b[i] }
        case (.div, 1, 0): let y = 1 / b[0]; for i in 0..<n { out[i] = a[i] * y }
        case (.sub, 0, 1): let x = a[0]; for i in 0..<n { out[i] = x - b[i] }
        case (.div, 0, 1): let x = a[0]; for i in 0..<n { out[i] = x / b[i] }
        case (.pow, 1, 0) where b[0] == 2: for i in 0..<n { out[i] = a[i] * a[i] }
        default:
            for i in 0..<n {
                let x = a[i * sa], y = b[i * sb]
                switch op {
                case .add: out[i] = x + y
                case .sub: out[i] = x - y
                case .mul: out[i] = x * y
                case .div: out[i] = x / y
                case .pow: out[i] = y == 2 ? x * x : powf(x, y)
                }
            }
        }
    }

    /// out = f(x) for `count` elements (out may equal x). exp, erf and both Gelus run eight
    /// lanes at a time through `VectorMath`; with `threads` ≥ 2 those split tensors above
    /// 2 × `KernelThreads.minElementsPerWorker` elements across workers.
    public static func unary(_ op: Unary, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count n: Int, threads: Int = 1) {
        switch op {
        case .sqrt: for i in 0..<n { out[i] = x[i].squareRoot() }
        case .neg: for i in 0..<n { out[i] = -x[i] }
        case .exp:
            KernelThreads.forEachChunk(count: n, threads: threads, minPerWorker: 2 * KernelThreads.minElementsPerWorker) { r, _ in
                VectorMath.map(x + r.lowerBound, out + r.lowerBound, count: r.count, VectorMath.exp)
            }
        case .log: for i in 0..<n { out[i] = logf(x[i]) }
        case .erf: GeluKernel.erf(x: x, y: out, count: n, threads: threads)
        case .geluExact: GeluKernel.gelu(x: x, y: out, count: n, approximation: .none, threads: threads)
        case .geluTanh: GeluKernel.gelu(x: x, y: out, count: n, approximation: .tanh, threads: threads)
        case .activation(let act):
            if UnsafePointer(out) != x { out.update(from: x, count: n) }
            act.apply(out, count: n)
        }
    }
}

@inline(__always)
private func Foundation_pow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
