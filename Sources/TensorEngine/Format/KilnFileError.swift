/// Why a .kiln file was refused (or could not be written). `kind` is for code that reacts
/// differently (e.g. `kiln inspect` reporting checksum status); `message` is for people and
/// names exactly what is wrong: the field, the tensor or node, the offending value and the
/// limit or expected value.
public struct KilnFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Broad classes of failure, in the order the reader checks them.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// The file could not be opened, mapped or written (errno in the message).
        case io
        /// Bad magic: not a .kiln file, or one mangled by a text-mode transfer.
        case notKiln
        /// A newer major version, big-endian byte order, or a required feature this reader lacks.
        case unsupported
        /// The file is shorter than its preamble or header says.
        case truncated
        /// A header, tensor or whole-file checksum does not match the bytes.
        case checksum
        /// A hard cap is exceeded (header size, rank, name length, counts, dimensions).
        case limit
        /// A field holds an impossible value: non-zero reserved bytes, invalid JSON, unknown dtype…
        case malformed
        /// The data section's tensor ranges are misaligned, overlapping, gapped or out of bounds.
        case layout
        /// The graph refers to undefined values, repeats names or is not in topological order.
        case graph
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
