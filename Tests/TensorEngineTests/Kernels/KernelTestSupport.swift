import Foundation
import Testing
@testable import TensorEngine

/// Deterministic random numbers for kernel tests (SplitMix64): the same seed gives the same
/// data on every machine, so a failure reproduces.
struct SeededRandom {
    private var source: SeededGenerator

    init(seed: UInt64) { source = SeededGenerator(seed: seed) }

    mutating func next() -> UInt64 { source.next() }

    /// Uniform in [-1, 1).
    mutating func float() -> Float { Float(Double(next() >> 11) / Double(1 << 53) * 2 - 1) }

    mutating func floats(_ count: Int) -> [Float] { (0..<count).map { _ in float() } }
}

/// The references' activations, written out from the ONNX definitions rather than
/// reusing the engine's code.
func referenceActivation(_ a: Activation, _ x: Double) -> Double {
    switch a {
    case .none: return x
    case .relu: return x > 0 ? x : 0
    case .clip(let lo, let hi): return Swift.min(Swift.max(x, Double(lo)), Double(hi))
    case .leakyRelu(let alpha): return x >= 0 ? x : Double(alpha) * x
    case .sigmoid: return 1 / (1 + Foundation.exp(-x))
    case .hardSigmoid(let alpha, let beta): return Swift.max(0, Swift.min(1, Double(alpha) * x + Double(beta)))
    case .hardSwish: return x * Swift.max(0, Swift.min(1, x / 6 + 0.5))
    case .tanh: return Foundation.tanh(x)
    }
}

/// Every activation, with non-trivial parameters.
let allActivations: [Activation] = [
    .none, .relu, .clip(min: 0, max: 6), .clip(min: -0.5, max: 0.25), .leakyRelu(alpha: 0.1), .sigmoid,
    .hardSigmoid(alpha: 0.2, beta: 0.5), .hardSwish, .tanh,
]

/// Checks every element within 1e-4 absolute or 1e-3 relative (docs/engine.md) and reports
/// the first few mismatches with their index.
func expectClose(
    _ actual: [Float], _ expected: [Double], _ label: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "\(label()): count \(actual.count) vs \(expected.count)", sourceLocation: sourceLocation)
    var failures = 0
    for i in 0..<Swift.min(actual.count, expected.count) {
        let a = Double(actual[i])
        let e = expected[i]
        let err = Swift.abs(a - e)
        if !(err <= 1e-4 || err <= 1e-3 * Swift.abs(e)) {
            failures += 1
            if failures <= 5 {
                Issue.record("\(label()): [\(i)] got \(a), expected \(e)", sourceLocation: sourceLocation)
            }
        }
    }
    #expect(failures == 0, "\(label()): \(failures) elements out of tolerance", sourceLocation: sourceLocation)
}

/// Direct convolution in Double, seven nested loops, straight from the ONNX definition.
func referenceConv(
    _ p: Conv2DParameters, input: [Float], weight: [Float], bias: [Float]?, batch: Int, height: Int, width: Int,
    activation: Activation = .none
) -> [Double] {
    let (oH, oW) = p.outputSize(height: height, width: width)
    let (cg, mg) = (p.inChannels / p.group, p.outChannels / p.group)
    var out = [Double](repeating: 0, count: batch * p.outChannels * oH * oW)
    for n in 0..<batch {
        for m in 0..<p.outChannels {
            let g = m / mg
            for oh in 0..<oH {
                for ow in 0..<oW {
                    var sum = Double(bias?[m] ?? 0)
                    for c in 0..<cg {
                        for kh in 0..<p.kernelHeight {
                            for kw in 0..<p.kernelWidth {
                                let ih = oh * p.strideHeight - p.padTop + kh * p.dilationHeight
                                let iw = ow * p.strideWidth - p.padLeft + kw * p.dilationWidth
                                guard ih >= 0, ih < height, iw >= 0, iw < width else { continue }
                                let x = input[((n * p.inChannels + g * cg + c) * height + ih) * width + iw]
                                let w = weight[((m * cg + c) * p.kernelHeight + kh) * p.kernelWidth + kw]
                                sum += Double(x) * Double(w)
                            }
                        }
                    }
                    out[((n * p.outChannels + m) * oH + oh) * oW + ow] = referenceActivation(activation, sum)
                }
            }
        }
    }
    return out
}

/// Runs a Conv2DKernel on arrays with the workspace it asks for.
func runConv(_ kernel: Conv2DKernel, input: [Float], batch: Int, height: Int, width: Int, threads: Int = 1) -> [Float] {
    let p = kernel.parameters
    let (oH, oW) = p.outputSize(height: height, width: width)
    var output = [Float](repeating: .nan, count: batch * p.outChannels * oH * oW)
    var workspace = [Float](repeating: .nan, count: kernel.workspaceCount(batch: batch, height: height, width: width, threads: threads))
    input.withUnsafeBufferPointer { x in
        output.withUnsafeMutableBufferPointer { y in
            workspace.withUnsafeMutableBufferPointer { ws in
                kernel.run(
                    input: x.baseAddress!, output: y.baseAddress!, batch: batch, height: height, width: width,
                    workspace: ws.baseAddress, threads: threads)
            }
        }
    }
    return output
}
