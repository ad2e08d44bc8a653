import Foundation

extension AppConfiguration {
    /// Builds the configuration from every source in precedence order.
    /// - Parameters:
    ///   - file: a JSON config file (`--config`), or nil for the built-in defaults alone.
    ///   - environment: the process environment; `KILN_<KEY>` variables override the file.
    ///   - flags: values given on the command line, by key; they override everything.
    public static func load(
        file: String?, environment: [String: String], flags: [(key: String, value: String)]
    ) throws(ConfigError) -> AppConfiguration {
        var config = AppConfiguration()
        if let file { try config.apply(file: file) }
        for key in keys {
            let variable = "KILN_" + key.uppercased()
            if let text = environment[variable] { try config.set(key, .text(text), source: variable) }
        }
        for (key, text) in flags { try config.set(key, .text(text), source: "--" + key.replacingOccurrences(of: "_", with: "-")) }
        try config.validate()
        return config
    }

    /// Applies a JSON object of keys to values. Unknown keys and mistyped values are errors.
    public mutating func apply(file path: String) throws(ConfigError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(key: "config", source: path, reason: "cannot read the file")
        }
        let object: [String: JSONConfigValue]
        do {
            object = try JSONDecoder().decode([String: JSONConfigValue].self, from: data)
        } catch {
            throw ConfigError(key: "config", source: path, reason: "not a JSON object of settings: \(error)")
        }
        for key in object.keys.sorted() where !key.hasPrefix("_") {  // "_comment" keys document the file
            try set(key, object[key]!.value, source: path)
        }
    }
}

/// A JSON scalar with its type kept, so `"port": "80"` is refused rather than coerced.
struct JSONConfigValue: Decodable {
    let value: ConfigValue

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) {
            value = .bool(b)
        } else if let i = try? c.decode(Int.self) {
            value = .int(i)
        } else if let d = try? c.decode(Double.self) {
            value = .double(d)
        } else if let s = try? c.decode(String.self) {
            value = .string(s)
        } else {
            throw DecodingError.typeMismatch(
                ConfigValue.self, .init(codingPath: decoder.codingPath, debugDescription: "settings are strings, numbers or booleans"))
        }
    }
}
