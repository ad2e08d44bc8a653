import ArgumentParser
import Foundation
import ModelConvert
import TensorEngine

/// `kiln convert`: ONNX → .kiln, printing what each conversion pass changed.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert", abstract: "Convert an ONNX model (opsets 13–21) to a .kiln file.")

    @Argument(help: "The ONNX model.")
    var model: String

    @Option(name: .shortAndLong, help: "The .kiln file to write.")
    var output: String

    @Option(help: "Model name stored in the file (default: the ONNX graph name).")
    var name: String?

    @Option(parsing: .singleValue, help: "Extra metadata, key=value (repeatable).")
    var meta: [String] = []

    func run() throws {
        try reportingErrors {
            var extra: [String: String] = [:]
            for pair in meta {
                guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
                    throw ValidationError("--meta takes key=value, got '\(pair)'")
                }
                extra[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
            }
            let (graph, report) = try Converter.convert(onnx: model, name: name, extra: extra)
            for line in report.lines { print("  \(line)") }
            try graph.write(to: output)
            let file = try KilnFile.open(path: output)
            print("wrote \(output): \(report.nodesBefore) → \(report.nodesAfter) nodes, \(graph.parameterCount) parameters, \(file.fileSize) bytes, sha256 \(file.sha256)")
        }
    }
}
