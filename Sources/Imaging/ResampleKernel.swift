/// The filter taps for resizing one axis with Pillow's BILINEAR filter (a triangle,
/// support 1), computed the way Pillow's `precompute_coeffs` (libImaging/Resample.c)
/// does, so the same inputs give the same weights.
///
/// When shrinking by a factor s > 1 the triangle is stretched to support s: each output
/// pixel averages every input pixel under it instead of sampling two (antialiasing).
/// Output pixel i is centred at input coordinate (i + 0.5)·scale; its taps run from
/// `first[i]` for `count[i]` pixels and are normalised to sum to 1.
struct ResampleKernel {
    let inSize: Int
    let outSize: Int
    /// Taps per output pixel in `weights` (the widest window, ceil(support)·2 + 1).
    let stride: Int
    var first: [Int]
    var count: [Int]
    var weights: [Double]

    init(inSize: Int, outSize: Int) {
        precondition(inSize > 0 && outSize > 0)
        self.inSize = inSize
        self.outSize = outSize
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = 1.0 * filterScale
        stride = Int(support.rounded(.up)) * 2 + 1
        first = [Int](repeating: 0, count: outSize)
        count = [Int](repeating: 0, count: outSize)
        weights = [Double](repeating: 0, count: outSize * stride)
        for i in 0..<outSize {
            let center = (Double(i) + 0.5) * scale
            // Int() truncates toward zero, as the C casts in Pillow do.
            let lo = max(Int(center - support + 0.5), 0)
            let hi = min(Int(center + support + 0.5), inSize)
            var total = 0.0
            for x in lo..<max(hi, lo) {
                let w = Self.triangle((Double(x) - center + 0.5) / filterScale)
                weights[i * stride + (x - lo)] = w
                total += w
            }
            if total != 0 {
                for x in 0..<(hi - lo) { weights[i * stride + x] /= total }
            }
            first[i] = lo
            count[i] = max(hi - lo, 0)
        }
    }

    /// Pillow's bilinear_filter.
    static func triangle(_ x: Double) -> Double {
        let a = abs(x)
        return a < 1 ? 1 - a : 0
    }

    /// Pillow's 8-bit path works in fixed point with 22 fractional bits (32 − 8 − 2, so a
    /// sum of 8-bit samples times weights cannot overflow Int32), rounding half away from 0.
    static let precisionBits = 22

    /// `weights` in Pillow's fixed point (normalize_coeffs_8bpc).
    var fixedPointWeights: [Int32] {
        let one = Double(1 << Self.precisionBits)
        return weights.map { w in Int32(w < 0 ? -0.5 + w * one : 0.5 + w * one) }
    }

    /// `weights` as Float, for the 16-bit path (Pillow's "F" mode accumulates unrounded).
    var floatWeights: [Float] { weights.map { Float($0) } }
}
