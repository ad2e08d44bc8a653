/// Tensor dimensions, outermost first (NCHW for images). Element counts are
/// overflow-checked: a shape from a file can never wrap around to a small buffer.
public struct Shape: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByArrayLiteral {
    public var dims: [Int]

    public init(_ dims: [Int]) { self.dims = dims }
    public init(arrayLiteral elements: Int...) { dims = elements }

    public var rank: Int { dims.count }
    public subscript(i: Int) -> Int {
        get { dims[i] }
        set { dims[i] = newValue }
    }

    /// Product of the dimensions, or nil on overflow or a negative dimension.
    public var checkedCount: Int? {
        var n = 1
        for d in dims {
            guard d >= 0 else { return nil }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            n = p
        }
        return n
    }

    /// Product of the dimensions; the shape must be valid (checked at load time).
    public var count: Int { dims.reduce(1, *) }

    /// Row-major strides in elements.
    public var strides: [Int] {
        var s = [Int](repeating: 1, count: dims.count)
        var acc = 1
        for i in stride(from: dims.count - 1, through: 0, by: -1) {
            s[i] = acc
            acc *= dims[i]
        }
        return s
    }

    public var description: String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }

    public init(from decoder: Decoder) throws { dims = try [Int](from: decoder) }
    public func encode(to encoder: Encoder) throws { try dims.encode(to: encoder) }
}
