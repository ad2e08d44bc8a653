/// Typed reads of a worker's `parameters` object, failing with the key's path so a bad
/// config.json is refused with a reason at load.
public struct Parameters: Sendable {
    public let object: [String: JSONValue]
    public let path: String

    public init(_ object: [String: JSONValue], path: String = "parameters") {
        self.object = object
        self.path = path
    }

    func fail(_ key: String, _ what: String) -> WorkerError { .config("\(path).\(key) \(what)") }

    public func has(_ key: String) -> Bool { object[key] != nil }

    public func string(_ key: String, default value: String? = nil) throws(WorkerError) -> String {
        guard let v = object[key] else {
            if let value { return value }
            throw fail(key, "is missing")
        }
        guard let s = v.stringValue else { throw fail(key, "must be a string") }
        return s
    }

    public func double(_ key: String, default value: Double? = nil) throws(WorkerError) -> Double {
        guard let v = object[key] else {
            if let value { return value }
            throw fail(key, "is missing")
        }
        guard let d = v.doubleValue, d.isFinite else { throw fail(key, "must be a number") }
        return d
    }

    public func int(_ key: String, default value: Int? = nil) throws(WorkerError) -> Int {
        let d = try double(key, default: value.map(Double.init))
        guard d == d.rounded(), abs(d) < 1e15 else { throw fail(key, "must be an integer") }
        return Int(d)
    }

    public func strings(_ key: String) throws(WorkerError) -> [String] {
        guard let a = object[key]?.arrayValue else { throw fail(key, "must be an array of strings") }
        var out: [String] = []
        for x in a {
            guard let s = x.stringValue else { throw fail(key, "must be an array of strings") }
            out.append(s)
        }
        return out
    }

    public func doubles(_ key: String) throws(WorkerError) -> [Double] {
        guard let a = object[key]?.arrayValue else { throw fail(key, "must be an array of numbers") }
        var out: [Double] = []
        for x in a {
            guard let d = x.doubleValue else { throw fail(key, "must be an array of numbers") }
            out.append(d)
        }
        return out
    }

    public func nested(_ key: String) throws(WorkerError) -> Parameters {
        guard let o = object[key]?.objectValue else { throw fail(key, "must be an object") }
        return Parameters(o, path: path + "." + key)
    }
}
