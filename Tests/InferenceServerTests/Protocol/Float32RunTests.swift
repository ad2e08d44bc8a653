import Foundation
import TensorEngine
import Testing
@testable import InferenceServer

/// The flat FP32 fast loop (the C kernel's 16- and 32-byte windows, then the general scanner)
/// gives exactly what the C library's correctly rounded `strtof` gives, whatever shape the
/// numbers and separators take, and hands every malformed token to the general path's error
/// messages.
@Suite struct Float32RunTests {
    /// Tokens at and around the kernel's window limits (15/16 and 31/32 bytes, 19/20 digits),
    /// integers of up to 22 digits, long runs of leading fraction zeros, both signs.
    @Test func windowLimitsMatchStrtof() throws {
        var g = SeededGenerator(seed: 37)
        func digits(_ n: Int) -> String {
            (0..<n).map { k in String(Int.random(in: (k == 0 ? 1 : 0)...9, using: &g)) }.joined()
        }
        var texts: [String] = []
        for total in 1...34 {
            for _ in 0..<200 {
                let sign = total > 1 && Bool.random(using: &g) ? "-" : ""
                let room = total - sign.count
                switch Int.random(in: 0..<4, using: &g) {
                case 0 where room <= 22:
                    texts.append(sign + digits(room))
                case 1 where room >= 3:
                    let zeros = Int.random(in: 0...(room - 3), using: &g)
                    texts.append(sign + "0." + String(repeating: "0", count: zeros) + digits(room - 2 - zeros))
                default:
                    guard room >= 3 else { texts.append(sign + digits(max(room, 1))); continue }
                    let whole = Int.random(in: 1...min(room - 2, 17), using: &g)
                    texts.append(sign + digits(whole) + "." + digits(room - 1 - whole))
                }
            }
        }
        for separator in [",", ", "] {
            let body = "[" + texts.joined(separator: separator) + "]"
            let r = try V2TestSupport.decode(V2TestSupport.request("FP32", [texts.count], body))
            let got = V2TestSupport.bits(r.inputs[0].tensor)
            let wrong = texts.indices.filter { got[$0] != Float(texts[$0])!.bitPattern }
            #expect(wrong.isEmpty, "\(wrong.prefix(3).map { texts[$0] })")
        }
    }

    /// Numbers of every length around the fast paths' limits (1...9 integer, 1...17 fraction
    /// digits, leading zeros in the fraction, signs, exponents) with odd spacing.
    @Test func everyShapeMatchesStrtof() throws {
        var g = SeededGenerator(seed: 11)
        var texts: [String] = []
        func digits(_ n: Int, firstNonZero: Bool) -> String {
            var s = ""
            for k in 0..<n { s += String(UInt64.random(in: (k == 0 && firstNonZero ? 1 : 0)...9, using: &g)) }
            return s
        }
        for _ in 0..<30000 {
            let intDigits = Int.random(in: 1...9, using: &g)
            var t = Bool.random(using: &g) ? "-" : ""
            t += Int.random(in: 0..<4, using: &g) == 0 ? "0" : digits(intDigits, firstNonZero: true)
            if Int.random(in: 0..<5, using: &g) > 0 { t += "." + digits(Int.random(in: 1...17, using: &g), firstNonZero: false) }
            if Int.random(in: 0..<8, using: &g) == 0 { t += ["e", "E", "e-", "e+"].randomElement(using: &g)! + String(Int.random(in: 0...25, using: &g)) }
            texts.append(t)
        }
        let separators = [",", ",", ",", ", ", " ,", ",\n  ", "\t,\r\n"]
        var body = "["
        for (i, t) in texts.enumerated() {
            if i > 0 { body += separators.randomElement(using: &g)! }
            body += t
        }
        body += " ]"
        let r = try V2TestSupport.decode(V2TestSupport.request("FP32", [texts.count], body))
        let got = V2TestSupport.bits(r.inputs[0].tensor)
        var wrong = 0
        for (i, t) in texts.enumerated() where got[i] != Float(t)!.bitPattern {
            wrong += 1
            if wrong < 5 { Issue.record("\(t): got \(Float(bitPattern: got[i])), strtof says \(Float(t)!)") }
        }
        #expect(wrong == 0)
    }

    /// Long compact (`,`) and Python-style (`, `) arrays of the kernel's shape, and the same with
    /// one exponent half-way (the general scanner reads that element, the fast loop the rest).
    @Test(arguments: [",", ", "])
    func longUniformArraysMatchStrtof(separator: String) throws {
        var g = SeededGenerator(seed: 23)
        for exponentAt in [-1, 7_001] {
            var texts: [String] = []
            for k in 0..<12_000 {
                var t = Bool.random(using: &g) ? "-" : ""
                t += Int.random(in: 0..<4, using: &g) == 0 ? "0" : String(Int.random(in: 1...9_999_999, using: &g))
                if Int.random(in: 0..<6, using: &g) > 0 { t += "." + String(Int.random(in: 0...99_999_999, using: &g)) }
                if k == exponentAt { t += "e-3" }
                texts.append(t)
            }
            let body = "[" + texts.joined(separator: separator) + "]"
            let r = try V2TestSupport.decode(V2TestSupport.request("FP32", [texts.count], body))
            let got = V2TestSupport.bits(r.inputs[0].tensor)
            let wrong = texts.indices.filter { got[$0] != Float(texts[$0])!.bitPattern }
            #expect(wrong.isEmpty, "exponent at \(exponentAt): \(wrong.prefix(3).map { texts[$0] })")
        }
    }

    /// Short arrays end within the kernel's 16-byte window: the scalar loop takes over.
    @Test func shortArraysAndTheLastElements() throws {
        for data in ["[1]", "[-0.5]", "[0.25,1.5]", "[ 3.75 , -2 ]", "[1.1234567,2.7654321,0.0000001]"] {
            let values = data.dropFirst().dropLast().split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces))! }
            let r = try V2TestSupport.decode(V2TestSupport.request("FP32", [values.count], data))
            #expect(r.inputs[0].tensor.floats == values, "\(data)")
        }
    }

    /// A bad token deep inside a long array is reported exactly as the general path reports it.
    @Test(arguments: [
        ("01", "leading zero"), ("1.", "expected a digit after '.'"), ("-", "expected a digit after '-'"),
        ("1.5e", "expected a digit in the exponent"), ("1.5 2", "expected ',' or ']'"), ("1e39", "out of range"),
        ("\"1\"", "expected a number"), ("-.5", "expected a digit after '-'"),
        ("1.2.3", "expected ',' or ']'"), ("0.123456789012345678.5", "expected ',' or ']'"),
        ("123456789012345.", "expected a digit after '.'"), ("00.12345678901234567", "leading zero"),
        ("-012345678901234567", "leading zero"), ("1.5-2", "expected ',' or ']'"),
    ])
    func badTokenAfterManyGoodOnes(token: String, message: String) {
        let good = Array(repeating: "0.123456", count: 500).joined(separator: ",")
        let data = "[\(good),\(token),\(good)]"
        let error = V2TestSupport.error(V2TestSupport.request("FP32", [1001], data))
        #expect(error?.message.contains(message) == true, "\(token): \(String(describing: error))")
    }

    /// Too many or too few values after a fast run still name the counts.
    @Test func countsAfterTheFastRun() {
        let data = "[" + Array(repeating: "-1.5", count: 100).joined(separator: ",") + "]"
        #expect(V2TestSupport.error(V2TestSupport.request("FP32", [99], data))?.message.contains("got 100") == true)
        #expect(V2TestSupport.error(V2TestSupport.request("FP32", [101], data))?.message.contains("got 100") == true)
    }
}
