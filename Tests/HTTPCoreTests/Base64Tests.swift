import Foundation
import Testing
@testable import HTTPCore

/// Base64 (RFC 4648): the §10 test vectors, both alphabets, whitespace, padding rules,
/// and agreement with Foundation on random data of every length mod 3.
@Suite struct Base64Tests {
    @Test func rfc4648Vectors() throws {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            #expect(try Base64.decode(encoded) == Array(plain.utf8))
            #expect(try Base64.decode(encoded.replacingOccurrences(of: "=", with: "")) == Array(plain.utf8))
        }
    }

    @Test func urlSafeAlphabetAndWhitespace() throws {
        let bytes: [UInt8] = [0xFB, 0xFF, 0xBF, 0x00, 0x3E]
        #expect(try Base64.decode("+/+/AD4=") == bytes)
        #expect(try Base64.decode("-_-_AD4") == bytes)
        #expect(try Base64.decode(" +/+/\r\n AD\t4=\n") == bytes)
    }

    @Test func matchesFoundationOnRandomData() throws {
        var generator = SystemRandomNumberGenerator()
        for length in [0, 1, 2, 3, 4, 5, 100, 1001, 65_537] {
            let data = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let encoded = Data(data).base64EncodedString()
            #expect(try Base64.decode(encoded) == data)
            let wrapped = Data(data).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
            #expect(try Base64.decode(Array(wrapped.utf8)) == data)
        }
    }

    @Test func errors() {
        #expect(throws: Base64.DecodeError.invalidCharacter(offset: 2, byte: UInt8(ascii: "*"))) { try Base64.decode("Zm*v") }
        #expect(throws: Base64.DecodeError.invalidCharacter(offset: 4, byte: 0xC3)) { try Base64.decode("Zm9vé") }
        #expect(throws: Base64.DecodeError.truncated) { try Base64.decode("Zm9vY") }
        #expect(throws: Base64.DecodeError.misplacedPadding(offset: 4)) { try Base64.decode("Zg==Zg==") }
        #expect(throws: Base64.DecodeError.misplacedPadding(offset: 1)) { try Base64.decode("Z===") }
        #expect(throws: Base64.DecodeError.misplacedPadding(offset: 0)) { try Base64.decode("=") }
        #expect(Base64.DecodeError.truncated.description.contains("base64"))
        #expect(Base64.DecodeError.invalidCharacter(offset: 2, byte: 42).description == "invalid base64: '*' at offset 2")
    }

    @Test func decodesAnArraySlice() throws {
        let bytes = Array("xxZm9vYmFy".utf8)
        #expect(try Base64.decode(bytes[2...]) == Array("foobar".utf8))
    }
}
