import ArgumentParser
import Foundation
import TensorEngine

/// `kiln infer`: one inference from .npy inputs to one .npy per graph output.
struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer", abstract: "Run a .kiln model once on .npy inputs; write one OUTPUT.npy per graph output.")

    @Argument(help: "The .kiln file.")
    var model: String

    @Option(parsing: .singleValue, help: "An input as NAME=path.npy (repeatable).")
    var input: [String] = []

    @Option(help: "Directory for the output .npy files.")
    var outputDir: String

    @Option(help: "Intra-op threads (default 1).")
    var threads: Int = 1

    func run() throws {
        try reportingErrors {
            let file = try KilnFile.open(path: model)
            let graph = try GraphModel(file: file)
            var given: [String: Tensor] = [:]
            for pair in input {
                guard let eq = pair.firstIndex(of: "=") else { throw ValidationError("--input takes NAME=path.npy, got '\(pair)'") }
                given[String(pair[..<eq])] = try NPYFile.read(path: String(pair[pair.index(after: eq)...]))
            }
            for name in given.keys where !graph.inputs.contains(where: { $0.name == name }) {
                throw ValidationError("the model has no input '\(name)'; inputs: \(graph.inputs.map(\.name).joined(separator: ", "))")
            }
            let batch = graph.inputs.first { $0.hasDynamicBatch }.flatMap { given[$0.name]?.shape.dims.first } ?? 1
            let plan = try ExecutionPlan(model: graph, batch: batch, threads: threads)
            let outputs = try plan.run(named: given)
            try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
            for spec in plan.outputs {
                let path = (outputDir as NSString).appendingPathComponent(NPYFile.safeFileName(spec.name) + ".npy")
                try NPYFile.write(outputs[spec.name]!, to: path)
                print("\(spec.name): \(spec.dtype) \(Shape(spec.shape)) → \(path)")
            }
        }
    }
}
