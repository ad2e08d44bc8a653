import Foundation
import TensorEngine
import Workers

/// A model of the repository's `models/` folder turned into the `WorkerModel` the server
/// builds for it (declared inputs and outputs from the .kiln file, parameters and batch size
/// from config.json), so the worker harnesses run the shipped services' real settings.
struct ShippedModel {
    let model: WorkerModel

    /// The repository root: `KILN_REPO_ROOT` when set, else three folders above this file.
    static let repositoryRoot: String = {
        if let root = ProcessInfo.processInfo.environment["KILN_REPO_ROOT"] { return root }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
    }()

    /// Loads `models/<name>`; `image` entries replace keys of `parameters.image` (the image
    /// harness lowers the pixel caps so one run stays fast). A missing or broken model stops
    /// the process: a harness without its worker would pass every input without testing it.
    init(_ name: String, image overrides: [String: JSONValue] = [:]) {
        let folder = Self.repositoryRoot + "/models/" + name
        guard let config = FileManager.default.contents(atPath: folder + "/config.json"),
            let object = JSONValue.parse(Array(config))?.objectValue,
            var parameters = object["parameters"]?.objectValue
        else { fatalError("cannot read \(folder)/config.json") }
        if !overrides.isEmpty, var image = parameters["image"]?.objectValue {
            image.merge(overrides) { $1 }
            parameters["image"] = .object(image)
        }
        let graph: GraphModel
        do {
            graph = try GraphModel(file: try KilnFile.open(path: folder + "/1/model.kiln"))
        } catch {
            fatalError("cannot open \(folder)/1/model.kiln: \(error)")
        }
        let maxRows = Int(object["max_batch_size"]?.doubleValue ?? 1)
        model = WorkerModel(
            name: name, version: 1, inputs: graph.inputs, outputs: graph.outputs, maxRows: maxRows, folder: folder,
            parameters: parameters)
    }

    /// Stand-ins for the model's outputs for `rows` rows: deterministic values in [0, 1) so
    /// the answers have scores to rank and round.
    func outputs(rows: Int) -> [Tensor] {
        model.outputs.map { info in
            let dims = info.shape.enumerated().map { $0.offset == 0 && $0.element < 0 ? rows : max($0.element, 1) }
            let t = Tensor(shape: Shape(dims), dtype: info.dtype)
            if info.dtype == .float32 {
                for i in 0..<t.count { t.floatPointer[i] = Float((i * 37) % 101) / 101 }
            }
            return t
        }
    }

    /// `make` under the worker's own error type, stopping the process when the shipped
    /// configuration does not build (that is a broken checkout, not a finding).
    func worker<W>(_ make: (WorkerModel) throws(WorkerError) -> W) -> W {
        do {
            return try make(model)
        } catch {
            fatalError("\(model.name): \(error)")
        }
    }
}
