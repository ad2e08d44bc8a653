#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import TensorEngine

/// Deterministic test data (SplitMix64): every kernel test draws from a fixed seed, so a
/// failure reproduces exactly.
struct SeqRNG {
    private var source: SeededGenerator

    init(seed: UInt64) { source = SeededGenerator(seed: seed) }

    mutating func next() -> UInt64 { source.next() }

    /// Uniform in [lo, hi).
    mutating func uniform(_ lo: Float, _ hi: Float) -> Float {
        lo + (hi - lo) * Float(next() >> 40) / Float(1 << 24)
    }

    mutating func floats(_ count: Int, _ lo: Float = -1, _ hi: Float = 1) -> [Float] {
        (0..<count).map { _ in uniform(lo, hi) }
    }

    /// Uniform integer in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
}

/// Records an issue unless every element is within the engine's tolerance of the reference:
/// |actual − expected| ≤ max(abs, rel·|expected|) (docs/engine.md: 1e-4 absolute / 1e-3
/// relative). Reports the count and the first offender, not one issue per element.
func seqExpectClose(
    _ actual: [Float], _ expected: [Double], abs: Double = 1e-4, rel: Double = 1e-3,
    _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.count == expected.count else {
        Issue.record("\(what): \(actual.count) elements, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    var bad = 0, first = -1
    for i in actual.indices {
        let a = Double(actual[i]), e = expected[i]
        let ok = a == e || (a - e).magnitude <= max(abs, rel * e.magnitude) || (a.isNaN && e.isNaN)
        if !ok {
            bad += 1
            if first < 0 { first = i }
        }
    }
    if bad > 0 {
        Issue.record(
            "\(what): \(bad) of \(actual.count) differ; first at \(first): \(actual[first]) vs \(expected[first])",
            sourceLocation: sourceLocation)
    }
}

func seqExpectClose(
    _ actual: [Float], _ expected: [Float], abs: Double = 1e-4, rel: Double = 1e-3,
    _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    seqExpectClose(actual, expected.map(Double.init), abs: abs, rel: rel, what, sourceLocation: sourceLocation)
}

/// Row-major multi-index helpers for the naive references.
enum SeqIndex {
    static func coords(_ flat: Int, _ shape: [Int]) -> [Int] {
        var c = [Int](repeating: 0, count: shape.count), rest = flat
        for d in shape.indices.reversed() {
            c[d] = rest % shape[d]
            rest /= shape[d]
        }
        return c
    }

    static func flat(_ coords: [Int], _ shape: [Int]) -> Int {
        zip(coords, shape).reduce(0) { $0 * $1.1 + $1.0 }
    }

    /// The flat indices of every lane along `axis` (non-negative), each in axis order.
    static func lanes(_ shape: [Int], axis: Int) -> [[Int]] {
        var lanes: [[Int]] = []
        for f in 0..<shape.reduce(1, *) {
            var c = coords(f, shape)
            guard c[axis] == 0 else { continue }
            lanes.append((0..<shape[axis]).map { k in
                c[axis] = k
                return flat(c, shape)
            })
        }
        return lanes
    }
}
