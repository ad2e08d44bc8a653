import HTTPCore
/// Appends JSON tokens to a byte array: the response side of the codec, without Foundation.
struct JSONWriter {
    var bytes: [UInt8] = []

    @inline(__always) mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    @inline(__always) mutating func byte(_ b: UInt8) { bytes.append(b) }

    /// A string token (RFC 8259 §7 escapes, `JSONString`).
    mutating func string(_ s: String) { JSONString.append(s, to: &bytes) }

    /// `"key":`
    mutating func key(_ k: String) {
        string(k)
        bytes.append(UInt8(ascii: ":"))
    }

    @inline(__always) mutating func int(_ v: Int64) {
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        var m = v.magnitude
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &scratch) { raw in
            var i = 24
            repeat {
                i -= 1
                raw[i] = UInt8(truncatingIfNeeded: m % 10) + UInt8(ascii: "0")
                m /= 10
            } while m != 0
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[i..<24]))
        }
    }

    @inline(__always) mutating func float(_ v: Float) { ShortestFloat.appendJSON(v, to: &bytes) }

    /// A parameter value. Non-finite doubles become `null` (JSON has no NaN/Infinity).
    mutating func parameter(_ p: V2Parameter) {
        switch p {
        case .string(let s): string(s)
        case .int(let i): int(i)
        case .bool(let b): b ? raw("true") : raw("false")
        case .double(let d):
            if d.isFinite {
                // Swift's description is shortest round-trip and valid JSON for finite values
                // ("1e-05", "0.1"); parameters are few, so its speed does not matter.
                bytes.append(contentsOf: d.description.utf8)
            } else {
                raw("null")
            }
        }
    }

    /// `{"k":v,…}` with keys sorted, so responses are byte-for-byte reproducible.
    mutating func parameters(_ ps: [String: V2Parameter]) {
        byte(UInt8(ascii: "{"))
        for (i, k) in ps.keys.sorted().enumerated() {
            if i > 0 { byte(UInt8(ascii: ",")) }
            key(k)
            parameter(ps[k]!)
        }
        byte(UInt8(ascii: "}"))
    }
}
