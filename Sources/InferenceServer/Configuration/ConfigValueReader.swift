/// Converts one `ConfigValue` to the type its key wants, with a message naming the key.
struct ConfigValueReader {
    let key: String
    let value: ConfigValue
    let source: String

    private func fail(_ reason: String) -> ConfigError {
        ConfigError(key: key, source: source, reason: "\(reason), got \(shown)")
    }

    private var shown: String {
        switch value {
        case .string(let s), .text(let s): "'\(s)'"
        case .int(let i): "\(i)"
        case .double(let d): "\(d)"
        case .bool(let b): "\(b)"
        }
    }

    func string(nonEmpty: Bool) throws(ConfigError) -> String {
        switch value {
        case .string(let s), .text(let s):
            if nonEmpty && s.isEmpty { throw fail("must not be empty") }
            return s
        default: throw fail("must be a string")
        }
    }

    func choice(_ options: [String]) throws(ConfigError) -> String {
        let s = try string(nonEmpty: true)
        guard options.contains(s) else { throw fail("must be one of \(options.joined(separator: ", "))") }
        return s
    }

    func int(_ range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let n: Int
        switch value {
        case .int(let i): n = i
        case .text(let t):
            guard let i = Int(t.trimmingOWS()) else { throw fail("must be an integer in \(range.lowerBound)...\(range.upperBound)") }
            n = i
        default: throw fail("must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        guard range.contains(n) else { throw fail("must be an integer in \(range.lowerBound)...\(range.upperBound)") }
        return n
    }

    func bool() throws(ConfigError) -> Bool {
        switch value {
        case .bool(let b): return b
        case .text(let t):
            switch t.trimmingOWS().lowercasedASCII() {
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            default: throw fail("must be true or false")
            }
        default: throw fail("must be true or false")
        }
    }

    /// A duration in seconds: a positive number (fractions allowed), at most a day.
    func seconds(allowZero: Bool = false) throws(ConfigError) -> Double {
        let d: Double
        switch value {
        case .int(let i): d = Double(i)
        case .double(let x): d = x
        case .text(let t):
            guard let x = Double(t.trimmingOWS()) else { throw fail("must be a number of seconds") }
            d = x
        default: throw fail("must be a number of seconds")
        }
        guard d.isFinite, allowZero ? d >= 0 : d > 0, d <= 86400 else {
            throw fail(allowZero ? "must be between 0 and 86400 seconds" : "must be more than 0 and at most 86400 seconds")
        }
        return d
    }
}

import HTTPCore
