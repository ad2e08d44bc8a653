import TensorEngine
import Testing
@testable import InferenceServer

/// Decimal → FP32 conversion is correctly rounded. Expected bits come from Python
/// `numpy.float32(float(s))`, which agrees with correct rounding on all of these but one.
@Suite struct DecimalNumberTests {
    static let cases: [(String, UInt32)] = [
        ("0", 0x0000_0000), ("-0", 0x8000_0000), ("1", 0x3F80_0000), ("0.1", 0x3DCC_CCCD),
        ("3.4028235e38", 0x7F7F_FFFF), ("3.4028234664e38", 0x7F7F_FFFF),
        ("1.17549435e-38", 0x0080_0000), ("1.1754942e-38", 0x007F_FFFF), ("9.999999e-39", 0x006C_E3EE),
        ("1e-45", 0x0000_0001), ("1.4e-45", 0x0000_0001), ("2.5e-45", 0x0000_0002),
        ("7e-46", 0x0000_0000), ("7.1e-46", 0x0000_0001), ("1e-46", 0x0000_0000), ("1e-400", 0x0000_0000),
        ("0.3745401203632355", 0x3EBF_C3B9), ("0.9507143306732178", 0x3F73_6204),
        ("16777217", 0x4B80_0000), ("16777216.5", 0x4B80_0000), ("8388608.5", 0x4B00_0000), ("8388609.5", 0x4B00_0002),
        ("33554435", 0x4C00_0001), ("33554437", 0x4C00_0001),
        ("1.00000005960464477539", 0x3F80_0000), ("1.000000059604644775390625", 0x3F80_0000),
        ("1.00000011920928955078125", 0x3F80_0001), ("1.000000178813934326171875", 0x3F80_0002),
        ("4.7019774032891500318749461488889827112746622270883500860350068251e-38", 0x0180_0000),
        ("123456789012345678901234567890", 0x6FC7_7488), ("0.000000000000000000000000000001", 0x0DA2_4260),
        ("3.141592653589793238462643383279502884197", 0x4049_0FDB), ("1E10", 0x5015_02F9), ("-2.5E-3", 0xBB23_D70A),
        ("1.5e+2", 0x4316_0000), ("0.1e1", 0x3F80_0000), ("100e-2", 0x3F80_0000), ("6.103515625e-05", 0x3880_0000),
        ("5.960464477539063e-08", 0x3380_0000), ("65504", 0x477F_E000), ("65519.99", 0x477F_EFFD), ("1e-7", 0x33D6_BF95),
        ("0.00000000000000000000000000000000000000000000000000000000000000000000000001e74", 0x3F80_0000),
        // Just above the midpoint between 1 and its successor: correctly rounded up. Python's
        // float32(float(s)) rounds twice (to double, which lands on the midpoint, then to even).
        ("1.0000000596046448", 0x3F80_0001),
    ]

    @Test func trickyDecimals() throws {
        let data = "[" + Self.cases.map(\.0).joined(separator: ",") + "]"
        let r = try V2TestSupport.decode(V2TestSupport.request("FP32", [Self.cases.count], data))
        let got = V2TestSupport.bits(r.inputs[0].tensor)
        for (i, c) in Self.cases.enumerated() {
            #expect(got[i] == c.1, "\(c.0): got \(String(got[i], radix: 16)), want \(String(c.1, radix: 16))")
        }
    }

    /// Random doubles printed with 17 digits (what `json.dumps` of float64 data looks like)
    /// agree with the C library's correctly rounded `strtof` (Swift's `Float(String)`).
    @Test func randomDecimalsMatchStrtof() throws {
        var g = SeededGenerator(seed: 7)
        var texts: [String] = []
        for _ in 0..<20000 {
            let exponent = Int.random(in: -45...38, using: &g)
            let digits = Int.random(in: 1...25, using: &g)
            var s = String(UInt64.random(in: 1...9, using: &g))
            for _ in 1..<digits { s += String(UInt64.random(in: 0...9, using: &g)) }
            let text = digits == 1 ? "\(s)e\(exponent - 1)" : "\(s.prefix(1)).\(s.dropFirst())e\(exponent - 1)"
            if let f = Float(text), f.isFinite { texts.append(text) }
        }
        let r = try V2TestSupport.decode(V2TestSupport.request("FP32", [texts.count], "[" + texts.joined(separator: ",") + "]"))
        let got = V2TestSupport.bits(r.inputs[0].tensor)
        for (i, t) in texts.enumerated() where got[i] != Float(t)!.bitPattern {
            Issue.record("\(t): got \(Float(bitPattern: got[i])), strtof says \(Float(t)!)")
        }
    }

    @Test func integers() throws {
        func scan(_ s: String) throws -> DecimalNumber {
            let bytes = Array(s.utf8)
            return try bytes.withUnsafeBufferPointer { (b) throws(V2Error) in
                var c = JSONCursor(b, maxDepth: 8)
                return try c.scanNumber()
            }
        }
        #expect(try scan("0").int64 == 0)
        #expect(try scan("-9223372036854775808").int64 == .min)
        #expect(try scan("9223372036854775807").int64 == .max)
        #expect(try scan("9223372036854775808").int64 == nil)
        #expect(try scan("1.0").int64 == nil)
        #expect(try scan("10000000000000000000000").int64 == nil)
    }
}
