/// One scalar of `data`, range-checked and stored at its row-major index.
extension TensorDataReader {
    @inline(__always)
    static func readElement(
        _ c: inout JSONCursor, kind: Kind, datatype: V2DataType, out: UnsafeMutableRawPointer, index: Int, pow10: UnsafePointer<Double>
    ) throws(V2Error) {
        if kind == .bool {
            let first = c.peek
            guard first == UInt8(ascii: "t") || first == UInt8(ascii: "f") || first == UInt8(ascii: "n") else {
                try c.skipValue(depth: 4)
                throw V2Error(.invalidTensor, "element \(index): BOOL values must be true or false")
            }
            guard let b = try c.readLiteral() else {
                throw V2Error(.invalidTensor, "element \(index): null is not a BOOL")
            }
            out.storeBytes(of: b ? 1 : 0, toByteOffset: index, as: UInt8.self)
            return
        }
        let first = c.peek
        guard first == UInt8(ascii: "-") || first &- UInt8(ascii: "0") < 10 else {
            // Validate whatever it is, so truncated JSON is still reported as malformed.
            try c.skipValue(depth: 4)
            throw V2Error(.invalidTensor, "element \(index): expected a number for \(datatype.rawValue)")
        }
        let n = try c.scanNumber()
        switch kind {
        case .fp32:
            guard let f = n.float32(pow10, text: c.base) else { throw outOfRange(n, c, index, datatype) }
            out.storeBytes(of: f, toByteOffset: index &* 4, as: Float.self)
        case .fp16:
            guard let h = n.float16(pow10, text: c.base) else { throw outOfRange(n, c, index, datatype) }
            out.storeBytes(of: h, toByteOffset: index &* 2, as: Float16.self)
        case .int64:
            guard let v = n.int64 else { throw notInteger(n, c, index, datatype) }
            out.storeBytes(of: v, toByteOffset: index &* 8, as: Int64.self)
        case .int32:
            guard let v = n.int64 else { throw notInteger(n, c, index, datatype) }
            guard let w = Int32(exactly: v) else { throw outOfRange(n, c, index, datatype) }
            out.storeBytes(of: w, toByteOffset: index &* 4, as: Int32.self)
        case .int8:
            guard let v = n.int64 else { throw notInteger(n, c, index, datatype) }
            guard let w = Int8(exactly: v) else { throw outOfRange(n, c, index, datatype) }
            out.storeBytes(of: w, toByteOffset: index, as: Int8.self)
        case .uint8:
            guard let v = n.int64 else { throw notInteger(n, c, index, datatype) }
            guard let w = UInt8(exactly: v) else { throw outOfRange(n, c, index, datatype) }
            out.storeBytes(of: w, toByteOffset: index, as: UInt8.self)
        case .bool:
            break
        }
    }

    private static func outOfRange(_ n: DecimalNumber, _ c: JSONCursor, _ index: Int, _ datatype: V2DataType) -> V2Error {
        V2Error(.invalidTensor, "element \(index): \(n.exactText(c.base)) is out of range for \(datatype.rawValue)")
    }

    private static func notInteger(_ n: DecimalNumber, _ c: JSONCursor, _ index: Int, _ datatype: V2DataType) -> V2Error {
        // An integer token that failed is too large; anything else has a fraction or exponent.
        if n.isInteger { return outOfRange(n, c, index, datatype) }
        return V2Error(.invalidTensor, "element \(index): \(n.exactText(c.base)) is not an integer (\(datatype.rawValue))")
    }
}
