import TensorEngine

/// Fills a tensor from a `data` array, flat or nested. Flat: exactly `count` scalars. Nested:
/// the arrays must mirror the shape exactly (the protocol's row-major nesting), so ragged
/// data is refused rather than silently reflowed. Nothing is written past the buffer: each
/// level checks its length before descending.
enum TensorDataReader {
    /// Scalar kinds; one switch per element is cheaper than the branch mispredicts it saves.
    enum Kind {
        case fp32, fp16, bool, uint8, int8, int32, int64
    }

    static func read(_ c: inout JSONCursor, into tensor: Tensor, datatype: V2DataType, pow10: UnsafePointer<Double>) throws(V2Error) {
        let kind: Kind
        switch tensor.dtype {
        case .float32: kind = .fp32
        case .float16: kind = .fp16
        case .bool: kind = .bool
        case .uint8: kind = .uint8
        case .int8: kind = .int8
        case .int32: kind = .int32
        case .int64: kind = .int64
        }
        let dims = tensor.shape.dims
        let count = tensor.count
        let out = tensor.rawPointer
        c.skipWhitespace()
        guard c.peek == UInt8(ascii: "[") else {
            guard c.peek != 0 else { throw c.fail("expected a value") }
            try c.skipValue(depth: 3)
            throw V2Error(.malformed, "'data' must be an array")
        }
        var probe = c
        probe.pos += 1
        probe.skipWhitespace()
        if probe.peek == UInt8(ascii: "[") {
            var index = 0
            try readNested(&c, dims: dims, level: 0, kind: kind, datatype: datatype, out: out, index: &index, pow10: pow10)
        } else {
            let got = try readFlat(&c, count: count, kind: kind, datatype: datatype, out: out, pow10: pow10)
            guard got == count else {
                throw V2Error(.invalidTensor, "shape \(dims) needs \(count) values, got \(got)")
            }
        }
    }

    /// A flat list; returns how many values it held (extra values are validated and counted
    /// only, so the error can say how many there were).
    private static func readFlat(
        _ c: inout JSONCursor, count: Int, kind: Kind, datatype: V2DataType, out: UnsafeMutableRawPointer, pow10: UnsafePointer<Double>
    ) throws(V2Error) -> Int {
        c.pos += 1
        c.skipWhitespace()
        if c.peek == UInt8(ascii: "]") {
            c.pos += 1
            return 0
        }
        // Plain decimal FP32 values (what numpy, tritonclient and browsers print) take the
        // tight loop; it stops at the first token it does not handle, which the general loop
        // below then reads (and reports, if it is wrong).
        var i = 0
        if kind == .fp32 {
            let fast = readFloat32Run(&c, count: count, out: out.assumingMemoryBound(to: Float.self), pow10: pow10)
            if fast.closed { return fast.stored }
            i = fast.stored
        }
        while true {
            c.skipWhitespace()
            if i < count {
                try readElement(&c, kind: kind, datatype: datatype, out: out, index: i, pow10: pow10)
            } else {
                try c.skipValue(depth: 4)
            }
            i += 1
            c.skipWhitespace()
            let sep = c.peek
            c.pos += 1
            if sep == UInt8(ascii: ",") { continue }
            if sep == UInt8(ascii: "]") { return i }
            c.pos -= 1
            throw c.fail("expected ',' or ']'")
        }
    }

    /// One level of nesting; `level == rank - 1` holds scalars.
    private static func readNested(
        _ c: inout JSONCursor, dims: [Int], level: Int, kind: Kind, datatype: V2DataType,
        out: UnsafeMutableRawPointer, index: inout Int, pow10: UnsafePointer<Double>
    ) throws(V2Error) {
        guard level < dims.count else {
            throw V2Error(.invalidTensor, "data is nested deeper than shape \(dims)")
        }
        c.skipWhitespace()
        guard c.peek == UInt8(ascii: "[") else {
            throw V2Error(.invalidTensor, "data nesting does not match shape \(dims): expected an array at depth \(level + 1)")
        }
        c.pos += 1
        let expected = dims[level]
        let last = level == dims.count - 1
        var seen = 0
        c.skipWhitespace()
        if c.peek == UInt8(ascii: "]") {
            c.pos += 1
        } else {
            repeat {
                guard seen < expected else {
                    throw V2Error(.invalidTensor, "data nesting does not match shape \(dims): dimension \(level) has more than \(expected) entries")
                }
                c.skipWhitespace()
                if last {
                    try readElement(&c, kind: kind, datatype: datatype, out: out, index: index, pow10: pow10)
                    index += 1
                } else {
                    try readNested(&c, dims: dims, level: level + 1, kind: kind, datatype: datatype, out: out, index: &index, pow10: pow10)
                }
                seen += 1
            } while try c.nextElement(close: UInt8(ascii: "]"))
        }
        guard seen == expected else {
            throw V2Error(.invalidTensor, "data nesting does not match shape \(dims): dimension \(level) has \(seen) entries, expected \(expected)")
        }
    }
}
