/// A node attribute, as ONNX defines them (minus graphs and sparse tensors, which no
/// supported operator needs). In the .kiln header each is a one-key JSON object:
/// `{"i": 1}`, `{"f": 0.5}`, `{"s": "SAME_UPPER"}`, `{"ints": [1, 1]}`, `{"floats": []}`,
/// `{"strings": []}`.
public enum AttributeValue: Sendable, Equatable, Codable {
    case int(Int)
    case float(Float)
    case string(String)
    case ints([Int])
    case floats([Float])
    case strings([String])

    private enum Key: String, CodingKey { case i, f, s, ints, floats, strings }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        guard c.allKeys.count == 1, let key = c.allKeys.first else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "an attribute has exactly one of i, f, s, ints, floats, strings"))
        }
        switch key {
        case .i: self = .int(try c.decode(Int.self, forKey: key))
        case .f: self = .float(try c.decode(Float.self, forKey: key))
        case .s: self = .string(try c.decode(String.self, forKey: key))
        case .ints: self = .ints(try c.decode([Int].self, forKey: key))
        case .floats: self = .floats(try c.decode([Float].self, forKey: key))
        case .strings: self = .strings(try c.decode([String].self, forKey: key))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        switch self {
        case .int(let v): try c.encode(v, forKey: .i)
        case .float(let v): try c.encode(v, forKey: .f)
        case .string(let v): try c.encode(v, forKey: .s)
        case .ints(let v): try c.encode(v, forKey: .ints)
        case .floats(let v): try c.encode(v, forKey: .floats)
        case .strings(let v): try c.encode(v, forKey: .strings)
        }
    }
}
