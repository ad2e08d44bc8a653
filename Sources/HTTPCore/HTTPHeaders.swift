/// An ordered list of header fields that keeps duplicates (RFC 9110 §5.3) and looks
/// names up case-insensitively (RFC 9110 §5.1).
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral, Equatable {
    public typealias Field = (name: String, value: String)
    public private(set) var fields: [Field]

    public init() { fields = [] }
    public init(_ fields: [Field]) { self.fields = fields }
    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }

    public var count: Int { fields.count }
    public var isEmpty: Bool { fields.isEmpty }
    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    public mutating func add(name: String, value: String) { fields.append((name, value)) }

    /// Replaces every field of that name with one field.
    public mutating func replaceOrAdd(name: String, value: String) {
        remove(name: name)
        fields.append((name, value))
    }

    public mutating func remove(name: String) {
        fields.removeAll { HTTPHeaders.equalNames($0.name, name) }
    }

    /// The first value of the field, or nil.
    public subscript(name: String) -> String? {
        for field in fields where HTTPHeaders.equalNames(field.name, name) { return field.value }
        return nil
    }

    /// Every value of the field, in order.
    public func values(_ name: String) -> [String] {
        fields.compactMap { HTTPHeaders.equalNames($0.name, name) ? $0.value : nil }
    }

    /// The comma-separated list elements of every field of that name (RFC 9110 §5.6.1),
    /// trimmed, empty elements dropped.
    public func listElements(_ name: String) -> [Substring] {
        values(name).flatMap { $0.split(separator: ",") }
            .map { $0.trimmingOWS() }
            .filter { !$0.isEmpty }
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }

    /// True when the list header holds this token, compared case-insensitively.
    public func containsToken(_ token: String, in name: String) -> Bool {
        listElements(name).contains { $0.lowercasedASCII() == token }
    }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    @inlinable
    static func equalNames(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { ($0 | 0x20) == ($1 | 0x20) }
    }
}

extension StringProtocol {
    /// Drops leading and trailing spaces and tabs (OWS, RFC 9110 §5.6.3).
    public func trimmingOWS() -> Substring {
        let s = self[...]
        guard let first = s.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = s.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return Substring(s[first...last])
    }

    /// ASCII-only lowercasing: header tokens are ASCII, and this avoids Unicode tables.
    public func lowercasedASCII() -> String {
        String(decoding: utf8.map { ($0 >= 0x41 && $0 <= 0x5A) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
