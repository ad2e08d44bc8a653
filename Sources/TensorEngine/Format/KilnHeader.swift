#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One row of the tensor table: where a tensor's bytes sit in the data section
/// (`offset` is relative to the data section's start) and their CRC-32.
public struct KilnTensorEntry: Sendable, Equatable {
    public var name: String
    public var dtype: DType
    public var shape: [Int]
    public var offset: Int
    public var length: Int
    public var crc32: UInt32

    public init(name: String, dtype: DType, shape: [Int], offset: Int, length: Int, crc32: UInt32) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.offset = offset
        self.length = length
        self.crc32 = crc32
    }
}

/// The decoded JSON header of a .kiln file: what the model is, its graph, and its tensor
/// table. On disk dtypes are written by name ("FP32"), not by ONNX code, so the header reads
/// well in `kiln inspect --json` and an unknown type can be reported by name.
public struct KilnHeader: Sendable, Equatable {
    public var metadata: ModelMetadata
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]
    public var nodes: [GraphNode]
    public var tensors: [KilnTensorEntry]

    public init(metadata: ModelMetadata, inputs: [ValueInfo], outputs: [ValueInfo], nodes: [GraphNode], tensors: [KilnTensorEntry]) {
        self.metadata = metadata
        self.inputs = inputs
        self.outputs = outputs
        self.nodes = nodes
        self.tensors = tensors
    }

    /// Canonical JSON: sorted keys and no whitespace, so the same model always gives the same
    /// bytes (and the same file SHA-256). Infinite and NaN float attributes, which JSON cannot
    /// express as numbers, are written as the strings "inf", "-inf" and "nan".
    func encodedJSON() throws(KilnFileError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return Array(try encoder.encode(Wire(self)))
        } catch {
            throw KilnFileError(.malformed, "header cannot be encoded as JSON: \(error)")
        }
    }

    /// Parses header JSON. Only the shape of the document is checked here; values are
    /// checked by `validate(dataLength:)`.
    static func decode(json: UnsafeRawBufferPointer) throws(KilnFileError) -> KilnHeader {
        try checkNesting(json)
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let wire: Wire
        do {
            wire = try decoder.decode(Wire.self, from: Data(json))
        } catch let error as DecodingError {
            throw KilnFileError(.malformed, "header is not valid .kiln JSON: \(describe(error))")
        } catch {
            throw KilnFileError(.malformed, "header is not valid .kiln JSON: \(error)")
        }
        func dtype(_ name: String, _ what: String) throws(KilnFileError) -> DType {
            guard let t = DType(name: name) else {
                throw KilnFileError(.malformed, "\(what): unknown dtype \(quoted(name))")
            }
            return t
        }
        func values(_ list: [Wire.Value], _ what: String) throws(KilnFileError) -> [ValueInfo] {
            var out: [ValueInfo] = []
            for v in list { out.append(ValueInfo(name: v.name, dtype: try dtype(v.dtype, "\(what) \(quoted(v.name))"), shape: v.shape)) }
            return out
        }
        var tensors: [KilnTensorEntry] = []
        tensors.reserveCapacity(min(wire.tensors.count, KilnLimits.maxTensors))
        for t in wire.tensors {
            let type = try dtype(t.dtype, "tensor \(quoted(t.name))")
            tensors.append(KilnTensorEntry(name: t.name, dtype: type, shape: t.shape, offset: t.offset, length: t.length, crc32: t.crc32))
        }
        return KilnHeader(
            metadata: wire.metadata, inputs: try values(wire.inputs, "graph input"),
            outputs: try values(wire.outputs, "graph output"), nodes: wire.nodes, tensors: tensors)
    }

    /// The deepest nesting the schema uses is 6 (header, nodes, node, attributes, attribute,
    /// list). Refusing anything past 64 in one linear pass keeps a hostile "[[[[…" from
    /// depending on the JSON parser's own recursion limit.
    private static func checkNesting(_ json: UnsafeRawBufferPointer) throws(KilnFileError) {
        let maxDepth = 64
        var depth = 0
        var inString = false
        var escaped = false
        for (i, b) in json.enumerated() {
            if inString {
                if escaped {
                    escaped = false
                } else if b == UInt8(ascii: "\\") {
                    escaped = true
                } else if b == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if b == UInt8(ascii: "\"") {
                inString = true
            } else if b == UInt8(ascii: "[") || b == UInt8(ascii: "{") {
                depth += 1
                guard depth <= maxDepth else {
                    throw KilnFileError(.limit, "header JSON nests deeper than \(maxDepth) levels (at header byte \(i))")
                }
            } else if b == UInt8(ascii: "]") || b == UInt8(ascii: "}") {
                depth -= 1
            }
        }
    }

    /// "missing key 'tensors' at nodes[3]" rather than Foundation's paragraph.
    private static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var s = ""
            for k in keys {
                if let i = k.intValue { s += "[\(i)]" } else { s += (s.isEmpty ? "" : ".") + k.stringValue }
            }
            return s.isEmpty ? "the top level" : s
        }
        switch error {
        case .keyNotFound(let key, let c): return "missing key '\(key.stringValue)' at \(path(c.codingPath))"
        case .typeMismatch(let type, let c): return "expected \(type) at \(path(c.codingPath))"
        case .valueNotFound(let type, let c): return "null where \(type) was expected at \(path(c.codingPath))"
        case .dataCorrupted(let c):
            // Foundation reports syntax errors (and numbers that do not fit) without a position.
            return c.codingPath.isEmpty ? c.debugDescription : "\(c.debugDescription) at \(path(c.codingPath))"
        @unknown default: return "\(error)"
        }
    }

    /// The on-disk shape of the header; dtypes as names.
    private struct Wire: Codable {
        /// A graph input or output.
        struct Value: Codable {
            var name: String
            var dtype: String
            var shape: [Int]
        }
        /// A tensor-table row.
        struct Tensor: Codable {
            var name: String
            var dtype: String
            var shape: [Int]
            var offset: Int
            var length: Int
            var crc32: UInt32
        }
        var metadata: ModelMetadata
        var inputs: [Value]
        var outputs: [Value]
        var nodes: [GraphNode]
        var tensors: [Tensor]

        init(_ h: KilnHeader) {
            metadata = h.metadata
            inputs = h.inputs.map { Value(name: $0.name, dtype: $0.dtype.name, shape: $0.shape) }
            outputs = h.outputs.map { Value(name: $0.name, dtype: $0.dtype.name, shape: $0.shape) }
            nodes = h.nodes
            tensors = h.tensors.map {
                Tensor(name: $0.name, dtype: $0.dtype.name, shape: $0.shape, offset: $0.offset, length: $0.length, crc32: $0.crc32)
            }
        }
    }
}

/// A name from the file, safe to put in a message: quoted, control characters escaped, and
/// cut to 80 characters (a hostile name can be megabytes long).
func quoted(_ s: String) -> String {
    var out = "'"
    for (i, ch) in s.unicodeScalars.enumerated() {
        if i == 80 {
            out += "…"
            break
        }
        if ch.value < 0x20 || ch.value == 0x7F { out += "\\u{\(String(ch.value, radix: 16))}" } else { out.unicodeScalars.append(ch) }
    }
    return out + "'"
}
