import ArgumentParser
import Foundation
import InferenceServer
import Logging

/// `kiln serve`: loads the configuration (defaults < --config file < KILN_* < flags) and serves.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the model repository over HTTP (KServe V2 protocol).",
        discussion: "Settings: built-in defaults, overridden by --config, then by KILN_<KEY> environment variables, then by flags. See docs/configuration.md."
    )

    @Option(help: "A JSON configuration file (see config/kiln.json).")
    var config: String?

    @Option(help: "Address to bind (default 0.0.0.0).")
    var host: String?

    @Option(help: "TCP port (default 8000; 0 picks a free port).")
    var port: String?

    @Option(help: "Model repository directory (default models).")
    var models: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel: String?

    func run() throws {
        var flags: [(key: String, value: String)] = []
        if let host { flags.append(("host", host)) }
        if let port { flags.append(("port", port)) }
        if let models { flags.append(("models", models)) }
        if let logLevel { flags.append(("log_level", logLevel)) }
        let settings: AppConfiguration
        do {
            settings = try AppConfiguration.load(
                file: config ?? ProcessInfo.processInfo.environment["KILN_CONFIG"],
                environment: ProcessInfo.processInfo.environment, flags: flags)
        } catch {
            FileHandle.standardError.write(Data("kiln: \(error)\n".utf8))
            throw ExitCode(78)  // EX_CONFIG
        }
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        let format = LineLogHandler.Format(rawValue: settings.logFormat) ?? .json
        LoggingSystem.bootstrap { LineLogHandler(label: $0, level: level, format: format) }
        let logger = Logger(label: "kiln")
        let app = Application(configuration: settings, logger: logger)
        do {
            try app.run()
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }
}
