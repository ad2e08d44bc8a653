import Foundation
import HTTPCore

/// A JSON value kept as parsed, for configuration objects whose keys are free
/// (model `parameters`) and for echoing them back (`GET /v2/models/{m}/config`).
public enum JSONValue: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses JSON text: exactly one value, nothing after it but whitespace.
    public static func parse(_ bytes: [UInt8]) -> JSONValue? { JSONParser.parse(bytes) }

    /// A request body holding more JSON values than its endpoint accepts.
    public struct TooManyValues: Error, Equatable, Sendable {
        public let limit: Int
    }

    /// Parses a request body that may hold at most `maxValues` values (objects, arrays and
    /// scalars each count one): nil if it is not JSON, `TooManyValues` as soon as the count
    /// passes the limit, before the rest is built.
    public static func parse(_ bytes: [UInt8], maxValues: Int) throws(TooManyValues) -> JSONValue? {
        let (value, overBudget) = JSONParser.parse(bytes, maxValues: maxValues)
        if overBudget { throw TooManyValues(limit: maxValues) }
        return value
    }

    public var doubleValue: Double? { if case .number(let d) = self { d } else { nil } }
    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { o } else { nil } }

    /// Compact JSON text with keys sorted, so output is stable.
    public var jsonText: String { String(decoding: jsonBytes, as: UTF8.self) }

    /// The same text as UTF-8 bytes, written into one buffer (what the workers answer with).
    public var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out)
        return out
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }
}
