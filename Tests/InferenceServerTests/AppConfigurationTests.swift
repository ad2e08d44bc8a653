import Foundation
import Testing
@testable import InferenceServer

/// Configuration sources, precedence and validation messages.
@Suite struct AppConfigurationTests {
    func write(_ json: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-\(UUID().uuidString).json").path
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func shippedConfigEqualsEmbeddedDefaults() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../config/kiln.json").standardized.path
        let loaded = try AppConfiguration.load(file: path, environment: [:], flags: [])
        #expect(loaded == AppConfiguration())
    }

    @Test func precedenceFileThenEnvironmentThenFlags() throws {
        let file = try write(#"{"port": 9000, "host": "127.0.0.1", "max_body_bytes": 1000}"#)
        let c = try AppConfiguration.load(
            file: file, environment: ["KILN_PORT": "9100", "KILN_MAX_BODY_BYTES": "2000"], flags: [("port", "9200")])
        #expect(c.host == "127.0.0.1")
        #expect(c.maxBodyBytes == 2000)
        #expect(c.port == 9200)
    }

    @Test func invalidValuesNameTheKey() throws {
        func message(_ body: () throws -> AppConfiguration) -> String {
            do {
                _ = try body()
                return ""
            } catch { return "\(error)" }
        }
        let bad = try write(#"{"port": "80"}"#)
        #expect(message { try AppConfiguration.load(file: bad, environment: [:], flags: []) }.contains("'port'"))
        #expect(message { try AppConfiguration.load(file: nil, environment: ["KILN_PORT": "70000"], flags: []) }.contains("KILN_PORT"))
        #expect(message { try AppConfiguration.load(file: nil, environment: ["KILN_ACCESS_LOG": "maybe"], flags: []) }.contains("'access_log'"))
        #expect(message { try AppConfiguration.load(file: nil, environment: ["KILN_HEADER_TIMEOUT_SECONDS": "-1"], flags: []) }.contains("header_timeout_seconds"))
        let unknown = try write(#"{"prot": 80}"#)
        #expect(message { try AppConfiguration.load(file: unknown, environment: [:], flags: []) }.contains("unknown key"))
        #expect(message { try AppConfiguration.load(file: nil, environment: [:], flags: [("log_level", "loud")]) }.contains("--log-level"))
        #expect(message { try AppConfiguration.load(file: "/nonexistent.json", environment: [:], flags: []) }.contains("cannot read"))
        #expect(message { try AppConfiguration.load(file: nil, environment: ["KILN_MAX_REQUEST_LINE_BYTES": "100000"], flags: []) }.contains("max_request_line_bytes"))
    }

    @Test func serverConfigurationCarriesEveryLimit() throws {
        let c = try AppConfiguration.load(
            file: nil,
            environment: ["KILN_MAX_HEADER_COUNT": "7", "KILN_WRITE_TIMEOUT_SECONDS": "1.5", "KILN_MAX_CONNECTIONS": "9"],
            flags: [])
        #expect(c.server.limits.maxHeaderCount == 7)
        #expect(c.server.timeouts.write == 1.5)
        #expect(c.server.maxConnections == 9)
    }
}
