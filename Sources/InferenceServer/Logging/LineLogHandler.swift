import Foundation
import HTTPCore
import Logging

/// A swift-log handler writing one line per event to stderr: a JSON object (for log
/// shippers such as Loki or Fluent Bit) or `key=value` text for people. Numbers given as
/// `.stringConvertible` integers are written as JSON numbers.
public struct LineLogHandler: LogHandler {
    /// Output shape.
    public enum Format: String, Sendable { case json, text }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public let label: String
    public let format: Format
    private static let lock = NSLock()

    public init(label: String, level: Logger.Level, format: Format) {
        self.label = label
        logLevel = level
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let line = format == .json
            ? LineLogHandler.json(level: event.level, label: label, message: "\(event.message)", metadata: merged)
            : LineLogHandler.text(level: event.level, message: "\(event.message)", metadata: merged)
        LineLogHandler.lock.lock()
        FileHandle.standardError.write(Data(line.utf8))
        LineLogHandler.lock.unlock()
    }

    static func json(level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        var out = "{\"ts\":\"\(timestamp())\",\"level\":\"\(level)\",\"logger\":\(JSONString.quote(label)),\"msg\":\(JSONString.quote(message))"
        for key in metadata.keys.sorted() {
            out += ",\(JSONString.quote(key)):\(jsonValue(metadata[key]!))"
        }
        return out + "}\n"
    }

    static func text(level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        let fields = metadata.keys.sorted().map { "\($0)=\(metadata[$0]!)" }.joined(separator: " ")
        return "\(timestamp()) \(level) \(message)\(fields.isEmpty ? "" : " " + fields)\n"
    }

    private static func jsonValue(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): return JSONString.quote(s)
        case .stringConvertible(let c):
            if c is Int || c is UInt64 || c is Int64 || c is UInt || c is Double || c is Bool { return "\(c)" }
            return JSONString.quote("\(c)")
        case .array(let items): return "[" + items.map(jsonValue).joined(separator: ",") + "]"
        case .dictionary(let dict):
            return "{" + dict.keys.sorted().map { "\(JSONString.quote($0)):\(jsonValue(dict[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    /// RFC 3339 UTC with milliseconds.
    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = ts.tv_sec
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ n: Int32, _ width: Int = 2) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday))T\(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec)).\(pad(Int32(ts.tv_nsec / 1_000_000), 3))Z"
    }
}
