import Testing
@testable import TensorEngine

/// Sizes a .npy header states (header length, shape) are compared with the file before
/// anything is allocated from them.
@Suite struct NPYSizeLimitTests {
    /// A version-1 file: magic, version, 16-bit header length, header, data.
    func file(shape: String, data: [UInt8] = [], version: UInt8 = 1, headerLength: Int? = nil) -> [UInt8] {
        let header = Array("{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }\n".utf8)
        let n = headerLength ?? header.count
        let length: [UInt8] = version == 1
            ? [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF)]
            : [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24 & 0xFF)]
        return [0x93] + Array("NUMPY".utf8) + [version, 0] + length + header + data
    }

    @Test(arguments: [
        "(2147483647, 2)", "(4294967296, 4294967296)", "(9223372036854775807, 2)", "(99999999999999999999,)",
        "(-1,)", "(536870912,)",
    ])
    func shapesTheDataCannotFillAreRefused(shape: String) {
        #expect(throws: NPYFile.Error.self) { try NPYFile.decode(file(shape: shape, data: [0, 0, 128, 63])) }
    }

    @Test func headerLengthsPastTheFileOrTheCapAreRefused() throws {
        #expect(throws: NPYFile.Error.self) { try NPYFile.decode(file(shape: "(1,)", version: 2, headerLength: 0xFFFF_FFFF)) }
        #expect(throws: NPYFile.Error.self) { try NPYFile.decode(file(shape: "(1,)", version: 3, headerLength: 2 << 20)) }
        #expect(throws: NPYFile.Error.self) { try NPYFile.decode(file(shape: "(1,)", headerLength: 0xFFFF)) }
        #expect(try NPYFile.decode(file(shape: "(1,)", data: [0, 0, 128, 63])).floats == [1])
    }
}
