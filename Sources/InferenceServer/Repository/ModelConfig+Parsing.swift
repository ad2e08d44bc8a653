import Workers
extension ModelConfig {
    /// Every key `config.json` may hold; anything else is a typo and refused.
    static let keys: Set<String> = [
        "name", "kind", "max_batch_size", "dynamic_batching", "max_queue_size", "instance_count", "threads",
        "version_policy", "default_timeout_us", "parameters",
    ]

    /// Parses `config.json` of the model in folder `folderName`. Unknown keys, wrong types
    /// and out-of-range values are errors naming the key, so a bad deploy is refused
    /// with a reason instead of served with surprising settings.
    public static func parse(_ data: [UInt8], folderName: String) throws(RepositoryError) -> ModelConfig {
        guard let parsed = JSONValue.parse(data) else { throw RepositoryError(model: folderName, "config.json is not valid JSON") }
        guard let object = parsed.objectValue else { throw RepositoryError(model: folderName, "config.json is not a JSON object") }
        var config = ModelConfig(name: folderName)
        let reader = Reader(model: folderName)
        for key in object.keys.sorted() where !key.hasPrefix("_") {
            guard keys.contains(key) else {
                throw RepositoryError(model: folderName, "config.json: unknown key '\(key)'; known: \(keys.sorted().joined(separator: ", "))")
            }
        }
        if let v = object["name"] {
            let name = try reader.string(v, "name")
            guard name == folderName else {
                throw RepositoryError(model: folderName, "config.json: name '\(name)' differs from its folder '\(folderName)'")
            }
        }
        if let v = object["kind"] {
            config.kind = try reader.string(v, "kind")
            guard kinds.contains(config.kind) else {
                throw RepositoryError(model: folderName, "config.json: kind '\(config.kind)' is not one of \(kinds.joined(separator: ", "))")
            }
        }
        if let v = object["max_batch_size"] { config.maxBatchSize = try reader.int(v, "max_batch_size", 1...65536) }
        if let v = object["max_queue_size"] { config.maxQueueSize = try reader.int(v, "max_queue_size", 1...1_000_000) }
        if let v = object["instance_count"] { config.instanceCount = try reader.int(v, "instance_count", 1...64) }
        if let v = object["threads"] { config.threads = try reader.int(v, "threads", 0...256) }
        if let v = object["default_timeout_us"] { config.defaultTimeoutMicroseconds = try reader.int(v, "default_timeout_us", 0...3_600_000_000) }
        if let v = object["parameters"] {
            guard let o = v.objectValue else { throw RepositoryError(model: folderName, "config.json: parameters must be an object") }
            config.parameters = o
        }
        if let v = object["dynamic_batching"] { config.dynamicBatching = try reader.batching(v, maxBatch: config.maxBatchSize) }
        if let v = object["version_policy"] { config.versionPolicy = try reader.versionPolicy(v) }
        return config
    }

    /// Typed access to config values, with errors naming the key.
    struct Reader {
        let model: String

        func fail(_ key: String, _ what: String) -> RepositoryError {
            RepositoryError(model: model, "config.json: \(key) \(what)")
        }

        func string(_ v: JSONValue, _ key: String) throws(RepositoryError) -> String {
            guard let s = v.stringValue else { throw fail(key, "must be a string") }
            return s
        }

        func bool(_ v: JSONValue, _ key: String) throws(RepositoryError) -> Bool {
            guard let b = v.boolValue else { throw fail(key, "must be true or false") }
            return b
        }

        func int(_ v: JSONValue, _ key: String, _ range: ClosedRange<Int>) throws(RepositoryError) -> Int {
            guard let d = v.doubleValue, d == d.rounded(), d >= Double(range.lowerBound), d <= Double(range.upperBound) else {
                throw fail(key, "must be an integer in \(range.lowerBound)...\(range.upperBound)")
            }
            return Int(d)
        }

        func batching(_ v: JSONValue, maxBatch: Int) throws(RepositoryError) -> DynamicBatching {
            guard let o = v.objectValue else { throw fail("dynamic_batching", "must be an object") }
            var b = DynamicBatching()
            for key in o.keys where !["enabled", "preferred_batch_sizes", "max_queue_delay_us", "dispatch_when_idle"].contains(key) {
                throw fail("dynamic_batching", "has unknown key '\(key)'")
            }
            if let e = o["enabled"] { b.enabled = try bool(e, "dynamic_batching.enabled") }
            if let e = o["dispatch_when_idle"] { b.dispatchWhenIdle = try bool(e, "dynamic_batching.dispatch_when_idle") }
            if let d = o["max_queue_delay_us"] { b.maxQueueDelayMicroseconds = try int(d, "dynamic_batching.max_queue_delay_us", 0...10_000_000) }
            if let p = o["preferred_batch_sizes"] {
                guard let a = p.arrayValue else { throw fail("dynamic_batching.preferred_batch_sizes", "must be an array") }
                var sizes: [Int] = []
                for x in a { sizes.append(try int(x, "dynamic_batching.preferred_batch_sizes", 1...maxBatch)) }
                b.preferredBatchSizes = Array(Set(sizes)).sorted()
            }
            return b
        }

        func versionPolicy(_ v: JSONValue) throws(RepositoryError) -> VersionPolicy {
            guard let o = v.objectValue, o.count == 1, let (kind, body) = o.first else {
                throw fail("version_policy", #"must be one of {"latest": {"num_versions": N}}, {"all": {}}, {"specific": {"versions": [..]}}"#)
            }
            switch kind {
            case "latest":
                guard let n = body.objectValue?["num_versions"] else { throw fail("version_policy.latest", "needs num_versions") }
                return .latest(try int(n, "version_policy.latest.num_versions", 1...1000))
            case "all": return .all
            case "specific":
                guard let list = body.objectValue?["versions"]?.arrayValue, !list.isEmpty else {
                    throw fail("version_policy.specific", "needs a non-empty versions array")
                }
                var versions: [Int] = []
                for x in list { versions.append(try int(x, "version_policy.specific.versions", 1...Int(Int32.max))) }
                return .specific(versions)
            default:
                throw fail("version_policy", "kind '\(kind)' is not latest, all or specific")
            }
        }
    }
}
