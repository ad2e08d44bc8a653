import Foundation
import Testing

@testable import Workers

@Suite struct JSONParserTests {
    func parse(_ s: String) -> JSONValue? { JSONValue.parse(Array(s.utf8)) }

    @Test func valuesOfEveryKind() {
        #expect(parse(#" {"a": [1, -2.5e3, true, false, null, "x\"y\u00e9\ud83d\ude00"], "b": {}} "#) == .object([
            "a": .array([.number(1), .number(-2500), .bool(true), .bool(false), .null, .string("x\"yé😀")]), "b": .object([:]),
        ]))
        #expect(parse("[]") == .array([]) && parse("0") == .number(0) && parse("\"\"") == .string(""))
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "1e", "tru", "\"\u{01}\"", "\"\\x\"", "\"\\ud800\"",
                      "[1] 2", "{\"a\":1,}", "nul", "1e999", "\"abc"])
    func refusesMalformed(text: String) {
        #expect(parse(text) == nil)
    }

    @Test func depthIsLimited() {
        #expect(parse(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)) != nil)
        #expect(parse(String(repeating: "[", count: 100_000)) == nil)
    }

    @Test func agreesWithFoundationOnNumbers() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let d = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng))
            guard d.isFinite else { continue }
            #expect(parse("\(d)") == .number(d))
        }
    }
}
