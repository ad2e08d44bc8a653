import TensorEngine
import Testing
@testable import InferenceServer

/// The response float writer: valid JSON, round-trips, and as short as Swift's own printer.
@Suite struct ShortestFloatTests {
    static func text(_ x: Float) -> String {
        var out: [UInt8] = []
        ShortestFloat.appendJSON(x, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Significant digits of a decimal text ("-1.50e-3" → "15").
    static func significand(_ s: String) -> String {
        let mantissa = s.split(whereSeparator: { $0 == "e" || $0 == "E" })[0]
        let digits = mantissa.filter(\.isNumber)
        let trimmed = digits.drop(while: { $0 == "0" })
        return String(trimmed.reversed().drop(while: { $0 == "0" }).reversed())
    }

    @Test func knownValues() {
        #expect(Self.text(0) == "0.0")
        #expect(Self.text(-0.0) == "-0.0")
        #expect(Self.text(1) == "1.0")
        #expect(Self.text(-2.5) == "-2.5")
        #expect(Self.text(0.1) == "0.1")
        #expect(Self.text(1e-5) == "0.00001")
        #expect(Self.text(1e-6) == "1e-6")
        #expect(Self.text(123_456_792) == "123456790.0")
        #expect(Self.text(1e9) == "1e9")
        #expect(Self.text(.greatestFiniteMagnitude) == "3.4028235e38")
        #expect(Self.text(.leastNonzeroMagnitude) == "1e-45")
        #expect(Self.text(.leastNormalMagnitude) == "1.1754944e-38")
        #expect(Self.text(.nan) == "null")
        #expect(Self.text(.infinity) == "null")
        #expect(Self.text(-.infinity) == "null")
    }

    /// parse(print(x)) == x for random bit patterns, through the real request decoder, and the
    /// digits are exactly as many as `Float.description` (also shortest round-trip) needs.
    @Test func roundTripsRandomBitPatterns() throws {
        var g = SeededGenerator(seed: 42)
        var values: [Float] = [.leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, 1, 0.3, 16777216, Float(bitPattern: 0x0001_16C2)]
        while values.count < 50000 {
            let f = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &g))
            if f.isFinite { values.append(f) }
        }
        let texts = values.map(Self.text)
        let r = try V2TestSupport.decode(V2TestSupport.request("FP32", [values.count], "[" + texts.joined(separator: ",") + "]"))
        let back = V2TestSupport.bits(r.inputs[0].tensor)
        var mismatches = 0
        for (i, v) in values.enumerated() {
            if back[i] != v.bitPattern {
                mismatches += 1
                if mismatches < 10 { Issue.record("\(v.description) printed as \(texts[i]) parsed as \(Float(bitPattern: back[i]))") }
            }
            let ours = Self.significand(texts[i]), swift = Self.significand(v.description)
            if ours.count != swift.count {
                mismatches += 1
                if mismatches < 10 { Issue.record("\(v.description): \(texts[i]) has \(ours.count) digits, Swift \(swift.count)") }
            }
        }
        #expect(mismatches == 0)
    }
}
