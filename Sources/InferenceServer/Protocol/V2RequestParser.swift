import TensorEngine

/// Walks the JSON header of an inference request once, from the top-level object down to the
/// tensor numbers. Inputs that come as binary are left for `V2RequestDecoder` to fill.
struct V2RequestParser {
    /// An input as read from JSON; `tensor` is nil while its bytes are still in the binary part.
    struct PendingInput {
        var name: String
        var datatype: V2DataType
        var dtype: DType
        var shape: [Int]
        var byteCount: Int
        var parameters: [String: V2Parameter]
        var tensor: Tensor?
        var binarySize: Int?
    }

    var cursor: JSONCursor
    let limits: V2Limits
    let pow10 = DecimalNumber.powersOfTen
    var id: String?
    var parameters: [String: V2Parameter] = [:]
    var inputs: [PendingInput] = []
    var sawInputs = false
    var outputs: [V2RequestedOutput]?
    var totalBytes = 0

    init(_ json: UnsafeBufferPointer<UInt8>, limits: V2Limits) {
        cursor = JSONCursor(json, maxDepth: limits.maxDepth)
        self.limits = limits
    }

    /// `$inference_request`: id, parameters, inputs, outputs; other keys are skipped (but must
    /// be valid JSON) so newer clients keep working.
    mutating func parse() throws(V2Error) {
        var c = cursor
        try c.forEachMember(depth: 1) { (c, key) throws(V2Error) in
            switch key {
            case "id":
                guard c.peek == UInt8(ascii: "\"") else { throw V2Error(.malformed, "'id' must be a string") }
                id = try c.readString()
            case "parameters":
                parameters = try Self.readParameters(&c, depth: 2, owner: "request")
            case "inputs":
                sawInputs = true
                var index = 0
                try c.forEachElement(depth: 2) { (c) throws(V2Error) in
                    guard index < limits.maxInputs else {
                        throw V2Error(.limitExceeded, "more than \(limits.maxInputs) inputs")
                    }
                    try readInput(&c, index: index)
                    index += 1
                }
            case "outputs":
                var list: [V2RequestedOutput] = []
                try c.forEachElement(depth: 2) { (c) throws(V2Error) in
                    guard list.count < limits.maxOutputs else {
                        throw V2Error(.limitExceeded, "more than \(limits.maxOutputs) requested outputs")
                    }
                    list.append(try Self.readRequestedOutput(&c))
                }
                outputs = list
            default:
                try c.skipValue(depth: 1)
            }
        }
        try c.finish()
        cursor = c
        guard sawInputs else { throw V2Error(.malformed, "request has no 'inputs'") }
    }

    /// `$request_output`: a name and parameters, `binary_data` among them.
    static func readRequestedOutput(_ c: inout JSONCursor) throws(V2Error) -> V2RequestedOutput {
        var name: String?
        var parameters: [String: V2Parameter] = [:]
        try c.forEachMember(depth: 3) { (c, key) throws(V2Error) in
            switch key {
            case "name":
                guard c.peek == UInt8(ascii: "\"") else { throw V2Error(.malformed, "output 'name' must be a string") }
                name = try c.readString()
            case "parameters": parameters = try readParameters(&c, depth: 4, owner: "output")
            default: try c.skipValue(depth: 3)
            }
        }
        guard let name else { throw V2Error(.malformed, "a requested output has no 'name'") }
        var binary: Bool?
        if let p = parameters["binary_data"] {
            guard let b = p.boolValue else {
                throw V2Error(.malformed, "output '\(name)': parameter 'binary_data' must be a boolean")
            }
            binary = b
        }
        return V2RequestedOutput(name: name, binaryData: binary, parameters: parameters)
    }

    /// `$parameters`: an object whose values are strings, numbers or booleans.
    static func readParameters(_ c: inout JSONCursor, depth: Int, owner: String) throws(V2Error) -> [String: V2Parameter] {
        var result: [String: V2Parameter] = [:]
        try c.forEachMember(depth: depth) { (c, key) throws(V2Error) in
            switch c.peek {
            case UInt8(ascii: "\""):
                result[key] = .string(try c.readString())
            case UInt8(ascii: "t"), UInt8(ascii: "f"):
                guard let b = try c.readLiteral() else { throw c.fail("expected a value") }
                result[key] = .bool(b)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let n = try c.scanNumber()
                if let i = n.int64 {
                    result[key] = .int(i)
                } else if let d = n.double(text: c.base) {
                    result[key] = .double(d)
                } else {
                    throw V2Error(.malformed, "\(owner) parameter '\(key)' is out of range")
                }
            default:
                // Validate first, so malformed JSON is reported as such.
                try c.skipValue(depth: depth)
                throw V2Error(.malformed, "\(owner) parameter '\(key)' must be a string, number or boolean")
            }
        }
        return result
    }

    /// `shape`: an array of non-negative integers, at most `maxRank` long.
    func readShape(_ c: inout JSONCursor, input: String) throws(V2Error) -> [Int] {
        var dims: [Int] = []
        let maxRank = limits.maxRank
        try c.forEachElement(depth: 4) { (c) throws(V2Error) in
            guard c.peek == UInt8(ascii: "-") || c.peek &- UInt8(ascii: "0") < 10 else {
                throw V2Error(.malformed, "input '\(input)': shape entries must be integers")
            }
            let n = try c.scanNumber()
            guard let v = n.int64, v >= 0 else {
                throw V2Error(.invalidTensor, "input '\(input)': shape dimension \(n.exactText(c.base)) must be a non-negative integer")
            }
            guard dims.count < maxRank else {
                throw V2Error(.limitExceeded, "input '\(input)': shape has more than \(maxRank) dimensions")
            }
            dims.append(Int(v))
        }
        return dims
    }
}
