import Testing
@testable import TensorEngine

/// .npy encoding matches NumPy's layout and round-trips; bad files are refused.
@Suite struct NPYFileTests {
    @Test func roundTripAndHeaderAlignment() throws {
        let t = Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6])
        let bytes = NPYFile.encode(t)
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        #expect(String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self).contains("'shape': (2, 3)"))
        let back = try NPYFile.decode(bytes)
        #expect(back.shape == [2, 3] && back.floats == t.floats)
        let ints = try NPYFile.decode(NPYFile.encode(Tensor(shape: [3], int64s: [7, -1, 9])))
        #expect(ints.dtype == .int64 && ints.int64s == [7, -1, 9])
        let scalar = try NPYFile.decode(NPYFile.encode(Tensor(shape: [], floats: [2.5])))
        #expect(scalar.shape == [] && scalar.floats == [2.5])
    }

    @Test func refusesMalformedFiles() {
        let good = NPYFile.encode(Tensor(shape: [4], floats: [1, 2, 3, 4]))
        #expect(throws: NPYFile.Error.self) { try NPYFile.decode(Array(good.dropLast(1))) }
        #expect(throws: NPYFile.Error.self) { try NPYFile.decode(Array("not numpy".utf8)) }
        var float64 = good
        if let r = String(decoding: good, as: UTF8.self).range(of: "<f4") {
            let i = String(decoding: good, as: UTF8.self).utf8.distance(from: String(decoding: good, as: UTF8.self).startIndex, to: r.lowerBound)
            float64[i + 2] = UInt8(ascii: "8")
        }
        #expect(throws: NPYFile.Error.self) { try NPYFile.decode(float64) }
    }

    @Test func safeNames() {
        #expect(NPYFile.safeFileName("scores/0:1 x") == "scores_0_1_x")
    }
}
