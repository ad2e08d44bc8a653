/// Percent-decoding of path segments and query components (RFC 3986 §2.1). Invalid
/// escapes are left as they are rather than rejected: routing will then find no match.
enum PercentDecoding {
    static func decode<S: StringProtocol>(_ s: S, plusAsSpace: Bool = false) -> String {
        let utf8 = s.utf8
        guard utf8.contains(where: { $0 == 0x25 || (plusAsSpace && $0 == 0x2B) }) else { return String(s) }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count)
        var i = utf8.startIndex
        while i != utf8.endIndex {
            let b = utf8[i]
            if b == 0x25, let h1 = utf8.index(i, offsetBy: 1, limitedBy: utf8.endIndex), h1 != utf8.endIndex,
                let h2 = utf8.index(h1, offsetBy: 1, limitedBy: utf8.endIndex), h2 != utf8.endIndex,
                let hi = hex(utf8[h1]), let lo = hex(utf8[h2])
            {
                out.append(hi << 4 | lo)
                i = utf8.index(after: h2)
                continue
            }
            out.append(plusAsSpace && b == 0x2B ? 0x20 : b)
            i = utf8.index(after: i)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Splits "a=1&b=two" into decoded pairs; a name without "=" has an empty value.
    static func query(_ raw: Substring?) -> [(name: String, value: String)] {
        guard let raw, !raw.isEmpty else { return [] }
        return raw.split(separator: "&").map { pair in
            if let eq = pair.firstIndex(of: "=") {
                return (decode(pair[..<eq], plusAsSpace: true), decode(pair[pair.index(after: eq)...], plusAsSpace: true))
            }
            return (decode(pair, plusAsSpace: true), "")
        }
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x41 + 10
        case 0x61...0x66: b - 0x61 + 10
        default: nil
        }
    }
}
