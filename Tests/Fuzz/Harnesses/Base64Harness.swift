import HTTPCore

/// `Base64.decode` over raw bytes, over the same bytes as a String when they are UTF-8, and
/// through the non-contiguous collection path; all three must agree.
enum Base64Harness {
    static func run(_ data: [UInt8]) {
        let direct = Result { () throws(Base64.DecodeError) in try Base64.decode(data) }
        if case .success(let bytes) = direct {
            precondition(bytes.count <= data.count / 4 * 3 + 2, "\(bytes.count) bytes decoded from \(data.count) characters")
        }
        let sliced = Result { () throws(Base64.DecodeError) in try Base64.decode(data.lazy.map { $0 }) }
        precondition(sliced == direct, "the collection path disagrees with the contiguous one")
        if let text = String(validating: data, as: UTF8.self) {
            let viaString = Result { () throws(Base64.DecodeError) in try Base64.decode(text) }
            precondition(viaString == direct, "the String path disagrees with the byte path")
        }
    }
}
