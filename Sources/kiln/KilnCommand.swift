import ArgumentParser
import Foundation
import TensorEngine

/// The `kiln` command: serve models; convert, inspect, run and benchmark them.
@main
struct KilnCommand: ParsableCommand {
    /// Refuses to start on a CPU the engine was not compiled for (instead of SIGILL later).
    static func main() {
        if let problem = CPUSupport.problem {
            FileHandle.standardError.write(Data("kiln: \(problem)\n".utf8))
            Foundation.exit(1)
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "kiln",
        abstract: "An HTTP inference server for industry AI services.",
        version: "0.1.0",
        subcommands: [ServeCommand.self, ConvertCommand.self, InspectCommand.self, InferCommand.self, BenchCommand.self]
    )
}
