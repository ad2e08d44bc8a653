/// A forward-only reader over JSON text (RFC 8259) that never allocates for structure:
/// the V2 decoder walks the request with it in one pass, so tensor numbers go straight from
/// the body bytes into the tensor buffer without an intermediate JSON tree.
/// The bytes must outlive the cursor (it is only used inside `withUnsafeBufferPointer`).
struct JSONCursor {
    let base: UnsafePointer<UInt8>
    let count: Int
    var pos = 0
    let maxDepth: Int

    init(_ buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        // An empty buffer has no base address; point at a static byte so reads stay defined.
        base = buffer.baseAddress ?? JSONCursor.emptyByte
        count = buffer.count
        self.maxDepth = maxDepth
    }

    // Read-only after its one-time initialisation.
    nonisolated(unsafe) private static let emptyByte: UnsafePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        p.pointee = 0
        return UnsafePointer(p)
    }()

    /// The byte at the cursor, or 0 past the end (0 is never valid outside a string).
    @inline(__always) var peek: UInt8 { pos < count ? base[pos] : 0 }

    var atEnd: Bool { pos >= count }

    func fail(_ what: String) -> V2Error {
        V2Error(.malformed, "malformed JSON at byte \(pos): \(what)")
    }

    /// RFC 8259 §2: insignificant whitespace is space, tab, line feed and carriage return only.
    @inline(__always) mutating func skipWhitespace() {
        while pos < count {
            let c = base[pos]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            pos += 1
        }
    }

    /// Skips whitespace, then consumes `byte` or throws naming `what` was expected.
    @inline(__always) mutating func expect(_ byte: UInt8, _ what: String) throws(V2Error) {
        skipWhitespace()
        guard peek == byte else { throw fail("expected \(what)") }
        pos += 1
    }

    /// After an element of an object or array: true if another follows (consumed a comma),
    /// false if the container closed (consumed `close`).
    @inline(__always) mutating func nextElement(close: UInt8) throws(V2Error) -> Bool {
        skipWhitespace()
        let c = peek
        pos += 1
        if c == UInt8(ascii: ",") { return true }
        if c == close { return false }
        pos -= 1
        throw fail(close == UInt8(ascii: "]") ? "expected ',' or ']'" : "expected ',' or '}'")
    }

    /// Walks an object's members: calls `body` with each key, positioned at its value,
    /// which `body` must consume. `depth` is the object's own nesting level.
    mutating func forEachMember(depth: Int, _ body: (inout JSONCursor, String) throws(V2Error) -> Void) throws(V2Error) {
        try expect(UInt8(ascii: "{"), "'{'")
        guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth)") }
        skipWhitespace()
        if peek == UInt8(ascii: "}") { pos += 1; return }
        repeat {
            skipWhitespace()
            let key = try readString()
            try expect(UInt8(ascii: ":"), "':'")
            skipWhitespace()
            try body(&self, key)
        } while try nextElement(close: UInt8(ascii: "}"))
    }

    /// Walks an array's elements: calls `body` positioned at each element, which it must consume.
    mutating func forEachElement(depth: Int, _ body: (inout JSONCursor) throws(V2Error) -> Void) throws(V2Error) {
        try expect(UInt8(ascii: "["), "'['")
        guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth)") }
        skipWhitespace()
        if peek == UInt8(ascii: "]") { pos += 1; return }
        repeat {
            skipWhitespace()
            try body(&self)
        } while try nextElement(close: UInt8(ascii: "]"))
    }

    /// Consumes any JSON value, validating it fully (unknown keys must still be JSON).
    mutating func skipValue(depth: Int) throws(V2Error) {
        skipWhitespace()
        switch peek {
        case UInt8(ascii: "{"):
            try forEachMember(depth: depth + 1) { (c, _) throws(V2Error) in try c.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["):
            try forEachElement(depth: depth + 1) { (c) throws(V2Error) in try c.skipValue(depth: depth + 1) }
        case UInt8(ascii: "\""):
            _ = try readString()
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            _ = try readLiteral()
        default:
            _ = try scanNumber()
        }
    }

    /// The literals `true`, `false`, `null` (null as nil).
    mutating func readLiteral() throws(V2Error) -> Bool? {
        func matches(_ word: StaticString) -> Bool {
            let n = word.utf8CodeUnitCount
            guard count - pos >= n else { return false }
            for i in 0..<n where base[pos + i] != word.utf8Start[i] { return false }
            pos += n
            return true
        }
        if matches("true") { return true }
        if matches("false") { return false }
        if matches("null") { return nil }
        throw fail("expected a value")
    }

    /// Requires that only whitespace remains (no trailing garbage after the top-level value).
    mutating func finish() throws(V2Error) {
        skipWhitespace()
        guard atEnd else { throw fail("unexpected data after the JSON value") }
    }
}
