/// A parameter value. The protocol allows string, number and boolean (`$parameter`);
/// integers stay exact as `int`, anything with a fraction or exponent becomes `double`.
public enum V2Parameter: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)

    /// The value as an integer, if it is one (a `double` with no fraction counts).
    public var intValue: Int64? {
        switch self {
        case .int(let v): v
        case .double(let d): (d.rounded() == d && abs(d) < 9.2e18) ? Int64(d) : nil
        default: nil
        }
    }

    /// The value as a boolean, if it is one.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The value as a string, if it is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}
