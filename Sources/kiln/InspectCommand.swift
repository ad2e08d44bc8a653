import ArgumentParser
import Foundation
import TensorEngine

/// `kiln inspect`: what a .kiln file holds, whether it is intact, and what it costs to run.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Show a .kiln model's metadata, inputs, outputs, operators, size and checksum status.")

    @Argument(help: "The .kiln file.")
    var model: String

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        try reportingErrors {
            let report = try ModelReport.make(path: model)
            print(json ? report.json() : report.text())
            if let problem = report.checksumProblem {
                FileHandle.standardError.write(Data("kiln: \(model): corrupt file: \(problem)\n".utf8))
                throw ExitCode.failure
            }
        }
    }
}
