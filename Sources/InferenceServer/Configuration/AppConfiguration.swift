import HTTPCore
import HTTPServer

/// The server-wide settings `kiln serve` runs with. Defaults live here (the embedded
/// default config); `config/kiln.json` spells the same values out with their meaning
/// (docs/configuration.md). Sources apply in this order, later winning:
/// built-in defaults < config file (`--config`) < `KILN_<KEY>` environment variables < flags.
public struct AppConfiguration: Sendable, Equatable {
    public var host = "0.0.0.0"
    public var port = 8000
    public var models = "models"
    public var logLevel = "info"
    public var logFormat = "json"
    public var accessLog = true
    public var debugRoutes = false
    public var eventLoopThreads = 0
    public var computeThreads = 0
    public var maxConnections = 1024
    public var maxRequestLineBytes = 8192
    public var maxHeaderBytes = 65536
    public var maxHeaderCount = 100
    public var maxBodyBytes = 64 << 20
    public var maxDecodedBodyBytes = 64 << 20
    public var headerTimeoutSeconds = 10.0
    public var bodyTimeoutSeconds = 30.0
    public var keepaliveTimeoutSeconds = 75.0
    public var writeTimeoutSeconds = 30.0
    public var shutdownGraceSeconds = 30.0
    public var gzipMinBytes = 1024
    public var modelControlMode = "poll"
    public var repositoryPollSeconds = 2.0
    public var drainSeconds = 5.0

    public init() {}

    /// The HTTP server's view of these settings.
    public var server: ServerConfiguration {
        ServerConfiguration(
            host: host, port: port, eventLoopThreads: eventLoopThreads, computeThreads: computeThreads,
            maxConnections: maxConnections,
            limits: HTTPLimits(
                maxRequestLineBytes: maxRequestLineBytes, maxHeaderBytes: maxHeaderBytes, maxHeaderCount: maxHeaderCount,
                maxBodyBytes: maxBodyBytes, maxDecodedBodyBytes: maxDecodedBodyBytes),
            timeouts: .init(
                header: headerTimeoutSeconds, body: bodyTimeoutSeconds, keepAlive: keepaliveTimeoutSeconds,
                write: writeTimeoutSeconds),
            gzipMinBytes: gzipMinBytes, accessLog: accessLog)
    }

    /// Every key a config file or `KILN_*` variable may set, in documentation order.
    public static let keys: [String] = [
        "host", "port", "models", "log_level", "log_format", "access_log", "debug_routes",
        "event_loop_threads", "compute_threads", "max_connections", "max_request_line_bytes",
        "max_header_bytes", "max_header_count", "max_body_bytes", "max_decoded_body_bytes",
        "header_timeout_seconds", "body_timeout_seconds", "keepalive_timeout_seconds",
        "write_timeout_seconds", "shutdown_grace_seconds", "gzip_min_bytes", "model_control_mode",
        "repository_poll_seconds", "drain_seconds",
    ]

    /// Sets one key from a typed value, checking its range. `source` names where the value
    /// came from ("config.json", "KILN_PORT", "--port") for the error message.
    public mutating func set(_ key: String, _ value: ConfigValue, source: String) throws(ConfigError) {
        let v = ConfigValueReader(key: key, value: value, source: source)
        switch key {
        case "host": host = try v.string(nonEmpty: true)
        case "port": port = try v.int(0...65535)
        case "models": models = try v.string(nonEmpty: true)
        case "log_level": logLevel = try v.choice(["trace", "debug", "info", "notice", "warning", "error", "critical"])
        case "log_format": logFormat = try v.choice(["json", "text"])
        case "access_log": accessLog = try v.bool()
        case "debug_routes": debugRoutes = try v.bool()
        case "event_loop_threads": eventLoopThreads = try v.int(0...256)
        case "compute_threads": computeThreads = try v.int(0...1024)
        case "max_connections": maxConnections = try v.int(1...1_000_000)
        case "max_request_line_bytes": maxRequestLineBytes = try v.int(64...(1 << 20))
        case "max_header_bytes": maxHeaderBytes = try v.int(256...(16 << 20))
        case "max_header_count": maxHeaderCount = try v.int(1...10_000)
        case "max_body_bytes": maxBodyBytes = try v.int(0...(1 << 40))
        case "max_decoded_body_bytes": maxDecodedBodyBytes = try v.int(0...(1 << 40))
        case "header_timeout_seconds": headerTimeoutSeconds = try v.seconds()
        case "body_timeout_seconds": bodyTimeoutSeconds = try v.seconds()
        case "keepalive_timeout_seconds": keepaliveTimeoutSeconds = try v.seconds()
        case "write_timeout_seconds": writeTimeoutSeconds = try v.seconds()
        case "shutdown_grace_seconds": shutdownGraceSeconds = try v.seconds(allowZero: true)
        case "gzip_min_bytes": gzipMinBytes = try v.int(0...(1 << 30))
        case "model_control_mode": modelControlMode = try v.choice(["poll", "explicit"])
        case "repository_poll_seconds": repositoryPollSeconds = try v.seconds()
        case "drain_seconds": drainSeconds = try v.seconds(allowZero: true)
        default:
            throw ConfigError(key: key, source: source, reason: "unknown key; known keys: \(AppConfiguration.keys.joined(separator: ", "))")
        }
    }

    /// Cross-key rules, checked once every source has been applied.
    public func validate() throws(ConfigError) {
        if maxRequestLineBytes > maxHeaderBytes {
            throw ConfigError(
                key: "max_request_line_bytes", source: "configuration",
                reason: "must not exceed max_header_bytes (\(maxHeaderBytes)), got \(maxRequestLineBytes)")
        }
    }
}

/// A configuration value as it arrived: typed from JSON, or text from the environment
/// and flags (then converted by the key's type).
public enum ConfigValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case text(String)
}

/// A configuration value that was refused, naming the key and where it came from.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let key: String
    public let source: String
    public let reason: String
    public var description: String { "invalid configuration key '\(key)' (from \(source)): \(reason)" }
}
