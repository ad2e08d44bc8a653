/// A small recursive-descent JSON reader (RFC 8259) producing `JSONValue` trees, for
/// request bodies of the industry endpoints and config files. Foundation's JSONDecoder took
/// most of a fraud-scoring request's time (the model itself runs in ~20 µs); this reads
/// the bytes once, with a depth limit so hostile nesting cannot exhaust the stack.
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var pos = 0
    var depth = 0
    static let maxDepth = 64
    /// Values the document may still hold. The tree takes 12–17 times the text (a 64 MiB
    /// body of records about 1 GiB), so request bodies are parsed with a budget their
    /// endpoint can use; parsing stops at the first value over it.
    var remaining = Int.max
    var overBudget = false

    /// The value of a complete document, or nil if it is not exactly one JSON value.
    static func parse(_ data: [UInt8]) -> JSONValue? {
        parse(data, maxValues: .max).value
    }

    /// The value of a complete document (nil if it is not exactly one JSON value), or
    /// `overBudget` when it holds more than `maxValues` values (objects, arrays and scalars).
    static func parse(_ data: [UInt8], maxValues: Int) -> (value: JSONValue?, overBudget: Bool) {
        data.withUnsafeBufferPointer { buffer in
            var p = JSONParser(bytes: buffer)
            p.remaining = maxValues
            guard let v = p.value() else { return (nil, p.overBudget) }
            p.skipSpace()
            return (p.pos == buffer.count ? v : nil, false)
        }
    }

    @inline(__always) var peek: UInt8 { pos < bytes.count ? bytes[pos] : 0 }

    mutating func skipSpace() {
        while pos < bytes.count, bytes[pos] == 0x20 || bytes[pos] == 0x0A || bytes[pos] == 0x0D || bytes[pos] == 0x09 { pos += 1 }
    }

    mutating func literal(_ text: StaticString, _ value: JSONValue) -> JSONValue? {
        let n = text.utf8CodeUnitCount
        guard pos + n <= bytes.count else { return nil }
        for i in 0..<n where bytes[pos + i] != text.utf8Start[i] { return nil }
        pos += n
        return value
    }

    mutating func value() -> JSONValue? {
        remaining -= 1
        guard remaining >= 0 else {
            overBudget = true
            return nil
        }
        skipSpace()
        switch peek {
        case UInt8(ascii: "{"): return object()
        case UInt8(ascii: "["): return array()
        case UInt8(ascii: "\""): return string().map(JSONValue.string)
        case UInt8(ascii: "t"): return literal("true", .bool(true))
        case UInt8(ascii: "f"): return literal("false", .bool(false))
        case UInt8(ascii: "n"): return literal("null", .null)
        default: return number()
        }
    }

    mutating func object() -> JSONValue? {
        depth += 1
        defer { depth -= 1 }
        guard depth <= JSONParser.maxDepth else { return nil }
        pos += 1
        var out: [String: JSONValue] = [:]
        skipSpace()
        if peek == UInt8(ascii: "}") {
            pos += 1
            return .object(out)
        }
        while true {
            skipSpace()
            guard peek == UInt8(ascii: "\""), let key = string() else { return nil }
            skipSpace()
            guard peek == UInt8(ascii: ":") else { return nil }
            pos += 1
            guard let v = value() else { return nil }
            out[key] = v
            skipSpace()
            let c = peek
            pos += 1
            if c == UInt8(ascii: "}") { return .object(out) }
            guard c == UInt8(ascii: ",") else { return nil }
        }
    }

    mutating func array() -> JSONValue? {
        depth += 1
        defer { depth -= 1 }
        guard depth <= JSONParser.maxDepth else { return nil }
        pos += 1
        var out: [JSONValue] = []
        skipSpace()
        if peek == UInt8(ascii: "]") {
            pos += 1
            return .array(out)
        }
        while true {
            guard let v = value() else { return nil }
            out.append(v)
            skipSpace()
            let c = peek
            pos += 1
            if c == UInt8(ascii: "]") { return .array(out) }
            guard c == UInt8(ascii: ",") else { return nil }
        }
    }

    /// A string starting at the opening quote; escapes decoded, control characters refused.
    mutating func string() -> String? {
        pos += 1
        let start = pos
        // Fast path: no escapes.
        var high: UInt8 = 0
        while pos < bytes.count, bytes[pos] != UInt8(ascii: "\""), bytes[pos] != UInt8(ascii: "\\"), bytes[pos] >= 0x20 {
            high |= bytes[pos]
            pos += 1
        }
        guard pos < bytes.count else { return nil }
        if bytes[pos] == UInt8(ascii: "\"") {
            defer { pos += 1 }
            let text = UnsafeBufferPointer(rebasing: bytes[start..<pos])
            // ASCII is valid UTF-8 as it stands: `decoding` then copies it without the generic
            // validating initialiser (which looked up type metadata on every call: 15 % of a
            // fraud-scoring request's preparation). Other text is validated.
            return high < 0x80 ? String(decoding: text, as: UTF8.self) : String(validating: text, as: UTF8.self)
        }
        var scalars = Array(bytes[start..<pos])
        while pos < bytes.count {
            let c = bytes[pos]
            pos += 1
            if c == UInt8(ascii: "\"") { return String(validating: scalars, as: UTF8.self) }
            guard c >= 0x20 else { return nil }
            guard c == UInt8(ascii: "\\") else {
                scalars.append(c)
                continue
            }
            guard pos < bytes.count else { return nil }
            let e = bytes[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(e)
            case UInt8(ascii: "b"): scalars.append(0x08)
            case UInt8(ascii: "f"): scalars.append(0x0C)
            case UInt8(ascii: "n"): scalars.append(0x0A)
            case UInt8(ascii: "r"): scalars.append(0x0D)
            case UInt8(ascii: "t"): scalars.append(0x09)
            case UInt8(ascii: "u"):
                guard var code = hex4() else { return nil }
                if (0xD800..<0xDC00).contains(code) {  // a high surrogate must be followed by a low one
                    guard peek == UInt8(ascii: "\\"), pos + 1 < bytes.count, bytes[pos + 1] == UInt8(ascii: "u") else { return nil }
                    pos += 2
                    guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { return nil }
                scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
            default: return nil
            }
        }
        return nil
    }

    mutating func hex4() -> UInt32? {
        guard pos + 4 <= bytes.count else { return nil }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[pos]
            pos += 1
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: return nil
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    /// RFC 8259 §6 number grammar, then the C library's correctly rounded conversion.
    mutating func number() -> JSONValue? {
        let start = pos
        if peek == UInt8(ascii: "-") { pos += 1 }
        func digits(_ p: inout JSONParser) -> Int {
            let s = p.pos
            while p.pos < p.bytes.count, p.bytes[p.pos] >= UInt8(ascii: "0"), p.bytes[p.pos] <= UInt8(ascii: "9") { p.pos += 1 }
            return p.pos - s
        }
        if peek == UInt8(ascii: "0") {
            pos += 1
        } else if digits(&self) == 0 {
            return nil
        }
        if peek == UInt8(ascii: ".") {
            pos += 1
            guard digits(&self) > 0 else { return nil }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            pos += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { pos += 1 }
            guard digits(&self) > 0 else { return nil }
        }
        // The grammar above admits only ASCII.
        guard let d = Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)), d.isFinite else { return nil }
        return .number(d)
    }
}
