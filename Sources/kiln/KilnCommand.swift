import ArgumentParser

/// The `kiln` command: serve models; convert, inspect, run and benchmark them.
@main
struct KilnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kiln",
        abstract: "An HTTP inference server for industry AI services.",
        version: "0.1.0",
        subcommands: [ServeCommand.self, ConvertCommand.self, InspectCommand.self, InferCommand.self, BenchCommand.self]
    )
}
