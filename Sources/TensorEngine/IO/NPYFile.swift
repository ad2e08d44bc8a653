import Foundation

/// NumPy's .npy format (version 1.0/2.0/3.0), read and written by us: a magic string,
/// a header length, a Python-literal header `{'descr': '<f4', 'fortran_order': False,
/// 'shape': (2, 3), }` padded to 64 bytes, then the raw little-endian data in C order.
/// Supported element types: float32, int64, int32 (and bool/uint8/int8 for reading).
public enum NPYFile {
    /// Why a .npy file was refused.
    public struct Error: Swift.Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    public static func read(path: String) throws(NPYFile.Error) -> Tensor {
        guard let data = FileManager.default.contents(atPath: path) else { throw Error(message: "\(path): cannot read the file") }
        do {
            return try decode([UInt8](data))
        } catch {
            throw Error(message: "\(path): \(error.message)")
        }
    }

    public static func decode(_ bytes: [UInt8]) throws(NPYFile.Error) -> Tensor {
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw Error(message: "not a .npy file (bad magic)") }
        let major = bytes[6]
        let headerLength: Int
        let start: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            start = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw Error(message: "truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            start = 12
        default: throw Error(message: "unsupported .npy version \(major)")
        }
        guard headerLength <= 1 << 20, start + headerLength <= bytes.count else { throw Error(message: "truncated header") }
        let header = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)
        guard let descr = field(header, "descr") else { throw Error(message: "header has no descr") }
        let type = descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\" "))
        let dtype: DType
        switch type {
        case "<f4": dtype = .float32
        case "<i8": dtype = .int64
        case "<i4": dtype = .int32
        case "|b1": dtype = .bool
        case "|u1": dtype = .uint8
        case "|i1": dtype = .int8
        default: throw Error(message: "unsupported dtype \(type) (need <f4, <i8 or <i4)")
        }
        if let order = field(header, "fortran_order"), order.contains("True") {
            throw Error(message: "Fortran-ordered arrays are not supported; save with np.ascontiguousarray")
        }
        guard let shapeText = field(header, "shape") else { throw Error(message: "header has no shape") }
        let dims = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var shape: [Int] = []
        for d in dims {
            guard let n = Int(d), n >= 0 else { throw Error(message: "invalid shape \(shapeText)") }
            shape.append(n)
        }
        guard let count = Shape(shape).checkedCount, count <= Int(Int32.max) else { throw Error(message: "shape \(shape) is too large") }
        let dataStart = start + headerLength
        let needed = count * dtype.size
        guard bytes.count - dataStart == needed else {
            throw Error(message: "data has \(bytes.count - dataStart) bytes, shape \(Shape(shape)) of \(dtype) needs \(needed)")
        }
        let tensor = Tensor(shape: Shape(shape), dtype: dtype)
        if needed > 0 { bytes.withUnsafeBytes { tensor.rawPointer.copyMemory(from: $0.baseAddress! + dataStart, byteCount: needed) } }
        return tensor
    }

    /// The text after `'key':` up to the next top-level comma (or the closing parenthesis for shape).
    private static func field(_ header: String, _ key: String) -> String? {
        guard let range = header.range(of: "'\(key)':") else { return nil }
        let rest = header[range.upperBound...].drop { $0 == " " }
        if rest.hasPrefix("(") {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        return String(rest.prefix { $0 != "," && $0 != "}" })
    }

    public static func encode(_ tensor: Tensor) -> [UInt8] {
        let descr: String
        switch tensor.dtype {
        case .float32: descr = "<f4"
        case .int64: descr = "<i8"
        case .int32: descr = "<i4"
        case .bool: descr = "|b1"
        case .uint8: descr = "|u1"
        case .int8: descr = "|i1"
        case .float16: descr = "<f2"
        }
        let dims = tensor.shape.dims
        let shapeText = dims.count == 1 ? "(\(dims[0]),)" : "(" + dims.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad with spaces so magic + length + header + newline is a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out = magic + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        out += Array(header.utf8)
        out += UnsafeRawBufferPointer(start: tensor.rawPointer, count: tensor.byteCount)
        return out
    }

    public static func write(_ tensor: Tensor, to path: String) throws {
        try Data(encode(tensor)).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

extension NPYFile {
    /// A file name for an output: characters other than [A-Za-z0-9._-] become "_".
    public static func safeFileName(_ name: String) -> String {
        String(name.unicodeScalars.map { c -> Character in
            let ok = (c.value < 128) && (c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "." || c == "_" || c == "-")
            return ok ? Character(c) : "_"
        })
    }
}
