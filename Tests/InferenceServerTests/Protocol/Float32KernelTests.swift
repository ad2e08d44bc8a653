import CJSONScan
import Testing
@testable import InferenceServer

/// The C kernel itself (`kiln_json_read_f32_run`): what it takes, where it stops, and that it
/// really runs on this machine (the decoder tests would pass on the scalar path alone).
@Suite struct Float32KernelTests {
    /// Runs the kernel over `text` (padded so every window is readable, as a request body's
    /// closing brackets usually make it) from byte 0.
    private func run(_ text: String, count: Int = 64, padding: Int = 32) -> (values: [Float], pos: Int, closed: Bool) {
        let bytes = Array(text.utf8) + Array(repeating: UInt8(ascii: "}"), count: padding)
        var out = [Float](repeating: .nan, count: count)
        var pos = 0
        var closed: Int32 = 0
        let n = bytes.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in
                kiln_json_read_f32_run(b.baseAddress!, text.utf8.count + padding, &pos, o.baseAddress!, count,
                                       DecimalNumber.powersOfTen, &closed)
            }
        }
        return (Array(out.prefix(n)), pos, closed != 0)
    }

    #if arch(x86_64)
    @Test func takesPlainNumbersToTheClosingBracket() {
        let r = run("0.5,-1.25, 3,\n 0.1234567,-0.12573021650314331,12345678901234.5]")
        #expect(r.values == [0.5, -1.25, 3, 0.1234567, Float("-0.12573021650314331")!, Float("12345678901234.5")!])
        #expect(r.closed)
        #expect(r.pos == "0.5,-1.25, 3,\n 0.1234567,-0.12573021650314331,12345678901234.5]".utf8.count)
    }

    @Test(arguments: [
        ("1.5,2.5e3,4", 1, 4), ("1.5,-0,7}", 2, 7), ("1.5,01,2", 1, 4), ("1.5 ,2", 0, 0),
        ("1.5,0.12345678901234567890123,2", 1, 4), ("1.5,12345678901234567.0,2", 1, 4),
        ("1,2,3,4", 2, 4),
    ])
    func stopsBeforeWhatItDoesNotTake(text: String, stored: Int, pos: Int) {
        let r = run(text, count: text == "1,2,3,4" ? 2 : 64)
        #expect(r.values.count == stored, "\(text)")
        #expect(r.pos == pos, "\(text)")
        #expect(!r.closed)
    }

    /// A value whose double product lies within 16 ulps of a float midpoint is left to the
    /// exact path (1 + 2^-24 is the midpoint between 1 and the next float).
    @Test func leavesNearMidpointsToTheExactPath() {
        let r = run("0.25,1.000000059604644775390625,2]")
        #expect(r.values == [0.25])
        #expect(r.pos == 5)
    }

    /// Every window stays inside the buffer: without padding, a number starting in the last
    /// 15 bytes is left over (22 bytes: windows at 0 and 4 fit, the one at 9 would not).
    @Test func neverReadsPastTheEnd() {
        let r = run("0.5,0.25,0.125,0.0625]", padding: 0)
        #expect(r.values == [0.5, 0.25])
        #expect(r.pos == 9)
    }

    @Test func negativeZeroKeepsItsSign() {
        let r = run("-0,-0.0,0]")
        #expect(r.values.map(\.bitPattern) == [Float(-0.0).bitPattern, Float(-0.0).bitPattern, 0])
    }
    #endif
}
