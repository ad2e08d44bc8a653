import TensorEngine

/// `$request_input` objects: metadata first, then `data` straight into a tensor.
extension V2RequestParser {
    /// Reads one input. Keys may come in any order; when `data` precedes `shape` or
    /// `datatype` its position is remembered and it is parsed once the object is complete.
    mutating func readInput(_ c: inout JSONCursor, index: Int) throws(V2Error) {
        var name: String?
        var datatype: V2DataType?
        var shape: [Int]?
        var parameters: [String: V2Parameter] = [:]
        var tensor: Tensor?
        var deferredData: Int?
        var sawData = false
        var label: String { name ?? "#\(index)" }

        try c.forEachMember(depth: 3) { (c, key) throws(V2Error) in
            switch key {
            case "name":
                guard c.peek == UInt8(ascii: "\"") else { throw V2Error(.malformed, "input \(label): 'name' must be a string") }
                name = try c.readString()
            case "datatype":
                guard c.peek == UInt8(ascii: "\"") else { throw V2Error(.malformed, "input '\(label)': 'datatype' must be a string") }
                let text = try c.readString()
                guard let dt = V2DataType(rawValue: text) else {
                    throw V2Error(.malformed, "input '\(label)': unknown datatype '\(text)'")
                }
                datatype = dt
            case "shape":
                shape = try readShape(&c, input: label)
            case "parameters":
                parameters = try Self.readParameters(&c, depth: 4, owner: "input '\(label)'")
            case "data":
                sawData = true
                if let datatype, let shape {
                    tensor = try readData(&c, input: label, datatype: datatype, shape: shape)
                } else {
                    deferredData = c.pos
                    try c.skipValue(depth: 3)
                }
            default:
                try c.skipValue(depth: 3)
            }
        }

        guard let name else { throw V2Error(.malformed, "input #\(index) has no 'name'") }
        guard let datatype else { throw V2Error(.malformed, "input '\(name)' has no 'datatype'") }
        guard let shape else { throw V2Error(.malformed, "input '\(name)' has no 'shape'") }
        guard !inputs.contains(where: { $0.name == name }) else {
            throw V2Error(.malformed, "input '\(name)' appears more than once")
        }
        let (dtype, byteCount) = try checkedSize(input: name, datatype: datatype, shape: shape)
        totalBytes += byteCount

        var binarySize: Int?
        if let p = parameters["binary_data_size"] {
            guard let size = p.intValue, size >= 0 else {
                throw V2Error(.malformed, "input '\(name)': binary_data_size must be a non-negative integer")
            }
            guard !sawData else { throw V2Error(.malformed, "input '\(name)' has both 'data' and binary_data_size") }
            guard size == byteCount else {
                throw V2Error(.invalidTensor,
                    "input '\(name)': binary_data_size is \(size) but \(datatype.rawValue) shape \(shape) needs \(byteCount) bytes")
            }
            binarySize = Int(size)
        } else if let offset = deferredData {
            let resume = c.pos
            c.pos = offset
            tensor = try readData(&c, input: name, datatype: datatype, shape: shape)
            c.pos = resume
        } else if !sawData {
            throw V2Error(.malformed, "input '\(name)' has no 'data' and no binary_data_size parameter")
        }
        inputs.append(PendingInput(
            name: name, datatype: datatype, dtype: dtype, shape: shape, byteCount: byteCount,
            parameters: parameters, tensor: tensor, binarySize: binarySize))
    }

    /// The engine type and byte size of a tensor, checked against the limits before anything
    /// is allocated (a 4-byte request must not be able to ask for terabytes).
    func checkedSize(input: String, datatype: V2DataType, shape: [Int]) throws(V2Error) -> (DType, Int) {
        guard let dtype = datatype.dtype else {
            throw V2Error(.unsupportedDatatype, "input '\(input)': datatype \(datatype.rawValue) is not supported")
        }
        guard let count = Shape(shape).checkedCount else {
            throw V2Error(.limitExceeded, "input '\(input)': shape \(shape) has too many elements")
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.size)
        guard !overflow, bytes <= limits.maxTensorBytes else {
            throw V2Error(.limitExceeded,
                "input '\(input)': shape \(shape) of \(datatype.rawValue) exceeds the \(limits.maxTensorBytes)-byte tensor limit")
        }
        guard bytes <= limits.maxTotalBytes - totalBytes else {
            throw V2Error(.limitExceeded, "inputs exceed the \(limits.maxTotalBytes)-byte request limit")
        }
        return (dtype, bytes)
    }

    /// Parses `data` into a new tensor, allocated only after the size check and only when the
    /// JSON left can hold that many values: each takes at least one byte and a separator
    /// (RFC 8259 §5), so n values need 2n + 1 bytes. Without this, a 100-byte request whose
    /// shape claims 64 M floats would make the server zero 256 MiB before finding the data short.
    mutating func readData(_ c: inout JSONCursor, input: String, datatype: V2DataType, shape: [Int]) throws(V2Error) -> Tensor {
        let (dtype, _) = try checkedSize(input: input, datatype: datatype, shape: shape)
        let count = Shape(shape).count  // checked by checkedSize
        let available = c.count - c.pos
        guard count == 0 || count <= (available - 1) / 2 else {
            throw V2Error(.invalidTensor,
                "input '\(input)': shape \(shape) needs \(count) values, more than the \(available) bytes of JSON left can hold")
        }
        let tensor = Tensor(shape: Shape(shape), dtype: dtype)
        do {
            try TensorDataReader.read(&c, into: tensor, datatype: datatype, pow10: pow10)
        } catch {
            throw V2Error(error.kind, "input '\(input)': \(error.message)")
        }
        return tensor
    }
}
