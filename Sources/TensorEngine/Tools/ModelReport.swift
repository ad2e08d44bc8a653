import Foundation

/// What `kiln inspect` shows: metadata, interface, operators, size, parameters, FLOPs,
/// planned activation memory, and whether the file's checksums hold.
public struct ModelReport: Sendable {
    public var path: String
    public var metadata: ModelMetadata
    public var formatVersion: String
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]
    public var opHistogram: [String: Int]
    public var parameters: Int
    public var flopsPerSample: Int
    public var peakActivationBytes: Int
    public var fileSize: Int
    public var sha256: String
    /// nil when every checksum verified; otherwise what failed.
    public var checksumProblem: String?
    public var blasCore: String

    /// Reads the file structurally, verifies checksums separately (so a corrupt file can
    /// still be described), and plans it at batch 1 for FLOPs and memory.
    public static func make(path: String) throws -> ModelReport {
        let file = try KilnFile.open(path: path, verifyChecksums: false)
        let problems = file.verify()
        let model = try GraphModel(file: file)
        var flops = 0, arena = 0
        if problems.isEmpty {
            let plan = try ExecutionPlan(model: model, batch: 1)
            flops = plan.flops
            arena = plan.arenaBytes
        }
        return ModelReport(
            path: path, metadata: model.metadata, formatVersion: file.formatVersion.description, inputs: model.inputs,
            outputs: model.outputs, opHistogram: model.opHistogram, parameters: model.parameterCount, flopsPerSample: flops,
            peakActivationBytes: arena, fileSize: file.fileSize, sha256: file.sha256,
            checksumProblem: problems.isEmpty ? nil : problems.map(\.description).joined(separator: "; "), blasCore: GEMMKernel.coreName)
    }

    public func text() -> String {
        func spec(_ v: ValueInfo) -> String { "  \(v.name): \(v.dtype) \(Shape(v.shape))" }
        var lines = [
            "model \(metadata.name) version \(metadata.version)\(metadata.task.isEmpty ? "" : " (\(metadata.task))")",
            "file \(path): \(fileSize) bytes, format \(formatVersion), sha256 \(sha256)",
            "checksums: \(checksumProblem.map { "FAILED: \($0)" } ?? "ok")",
            "inputs:",
        ]
        lines += inputs.map(spec)
        lines.append("outputs:")
        lines += outputs.map(spec)
        lines.append("operators: " + opHistogram.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " "))
        lines.append("parameters: \(parameters)")
        lines.append("FLOPs per sample: \(flopsPerSample) (\(String(format: "%.2f", Double(flopsPerSample) / 1e6)) MFLOP)")
        lines.append("peak activation memory (batch 1): \(peakActivationBytes) bytes")
        if !metadata.labels.isEmpty { lines.append("labels: " + metadata.labels.joined(separator: ", ")) }
        for (k, v) in metadata.extra.sorted(by: { $0.key < $1.key }) { lines.append("\(k): \(v)") }
        lines.append("OpenBLAS core: \(blasCore)")
        return lines.joined(separator: "\n")
    }

    public func json() -> String {
        func spec(_ v: ValueInfo) -> [String: Any] { ["name": v.name, "dtype": v.dtype.name, "shape": v.shape] }
        let object: [String: Any] = [
            "name": metadata.name, "version": metadata.version, "task": metadata.task, "labels": metadata.labels,
            "metadata": metadata.extra, "format_version": formatVersion, "inputs": inputs.map(spec), "outputs": outputs.map(spec),
            "op_histogram": opHistogram, "parameters": parameters, "flops_per_sample": flopsPerSample,
            "peak_activation_bytes": peakActivationBytes, "file_size": fileSize, "sha256": sha256,
            "checksum": checksumProblem == nil ? "ok" : "failed", "checksum_error": checksumProblem ?? NSNull(), "blas_core": blasCore,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
