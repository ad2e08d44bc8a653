/// A request the codec refuses. Every case is the client's fault (HTTP 400), except that
/// `limitExceeded` may be mapped to 413 by the server if it prefers.
public struct V2Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why the request was refused.
    public enum Kind: Sendable, Equatable {
        /// Not JSON, or JSON that breaks the protocol's schema.
        case malformed
        /// Well-formed, but the tensors don't add up (counts, sizes, ranges).
        case invalidTensor
        /// A datatype the protocol defines but Kiln cannot hold (UINT16, FP64, BYTES, …).
        case unsupportedDatatype
        /// Bigger than `V2Limits` allows.
        case limitExceeded
    }

    public var kind: Kind
    /// Human-readable, names the input and what is wrong; safe to send to the client.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
