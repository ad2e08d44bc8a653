import ModelConvert
import TensorEngine

/// The ONNX importer and the conversion behind `kiln convert`: the input is the model file;
/// `Converter.convert` imports it, runs the conversion passes and plans the result.
enum ONNXHarness {
    static func run(_ data: [UInt8]) {
        let path = ScratchFile.write(data, name: "input.onnx")
        guard let model = try? ONNXImporter(path: path).load() else { return }
        _ = (model.parameterCount, model.opHistogram)
        _ = try? Converter.convert(onnx: path)
    }
}
