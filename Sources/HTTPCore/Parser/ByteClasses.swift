/// Character classes of RFC 9110 §5.6.2 (tchar) and §5.5 (field-vchar), as tests
/// on one byte. Written as range checks, which the optimiser turns into compares.
enum ByteClass {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let sp: UInt8 = 0x20
    static let htab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A

    /// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    @inline(__always)
    static func isToken(_ b: UInt8) -> Bool {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: true
        default: false
        }
    }

    /// field-vchar = VCHAR / obs-text, plus SP and HTAB inside a value.
    @inline(__always)
    static func isFieldValue(_ b: UInt8) -> Bool {
        b >= 0x20 && b != 0x7F || b == htab
    }

    /// Visible characters allowed in a request-target (RFC 3986 is stricter; we only
    /// refuse controls, spaces and DEL, and leave the rest to routing).
    @inline(__always)
    static func isTarget(_ b: UInt8) -> Bool {
        b > 0x20 && b != 0x7F
    }

    @inline(__always)
    static func hexValue(_ b: UInt8) -> Int? {
        switch b {
        case 0x30...0x39: Int(b - 0x30)
        case 0x41...0x46: Int(b - 0x41 + 10)
        case 0x61...0x66: Int(b - 0x61 + 10)
        default: nil
        }
    }
}
