import Foundation
import Testing

@testable import Workers

/// The answers' JSON writer: compact, keys sorted, RFC 8259 §7 escapes, and its text parses
/// back (with our parser and with Foundation's) to the value it was written from.
@Suite struct JSONWritingTests {
    @Test func layoutAndEscapes() {
        let v = JSONValue.object([
            "b": .array([.number(1), .number(-2.5), .bool(true), .null, .number(.nan)]),
            "a": .string("q\"b\\s\n\r\t\u{01}é😀"),
        ])
        #expect(v.jsonText == #"{"a":"q\"b\\s\n\r\t\u0001é😀","b":[1,-2.5,true,null,null]}"#)
        #expect(JSONValue.object([:]).jsonText == "{}" && JSONValue.array([]).jsonText == "[]")
    }

    @Test func roundTripsThroughBothParsers() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let strings = (0..<4).map { _ in String((0..<8).map { _ in Character(UnicodeScalar(UInt8.random(in: 1...0x7E, using: &rng))) }) }
            let numbers = (0..<4).map { _ in Double.random(in: -1e6...1e6, using: &rng) }
            let v = JSONValue.object([
                strings[0]: .array(numbers.map(JSONValue.number) + [.string(strings[1])]),
                strings[2]: .object([strings[3]: .bool(true)]),
            ])
            let bytes = v.jsonBytes
            #expect(JSONValue.parse(bytes) == v)
            #expect(try JSONSerialization.jsonObject(with: Data(bytes)) is [String: Any])
        }
    }
}
