import Imaging
import TensorEngine

/// How an image model wants its input, read from `parameters.image` of config.json and
/// checked against the model's declared input shape [N, C, H, W] at load.
struct ImageSpec: Sendable {
    let preprocessing: ImagePreprocessing
    let limits: ImageLimits
    let inputIndex: Int

    init(model: WorkerModel) throws(WorkerError) {
        let p = try Parameters(model.parameters).nested("image")
        let width = try p.int("width"), height = try p.int("height"), channels = try p.int("channels", default: 3)
        let mean = try p.doubles("mean").map(Float.init), std = try p.doubles("std").map(Float.init)
        let resizeName = try p.string("resize", default: "stretch")
        guard let resize = ImagePreprocessing.ResizeMode(rawValue: resizeName) else {
            throw .config("parameters.image.resize must be one of \(ImagePreprocessing.ResizeMode.allCases.map(\.rawValue))")
        }
        preprocessing = ImagePreprocessing(width: width, height: height, channels: channels, mean: mean, std: std, resize: resize)
        do throws(ImageError) {
            try preprocessing.validate()
        } catch {
            throw .config("parameters.image: \(error)")
        }
        var limits = ImageLimits()
        if p.has("max_encoded_bytes") { limits.maxEncodedBytes = try p.int("max_encoded_bytes") }
        if p.has("max_pixels") { limits.maxPixels = try p.int("max_pixels") }
        self.limits = limits
        let name = try p.string("input", default: model.inputs.first?.name ?? "image")
        inputIndex = try model.input(name, .float32)
        let declared = model.inputs[inputIndex].shape
        guard declared.count == 4, Array(declared.dropFirst()) == [channels, height, width] else {
            throw .config("input '\(name)' has shape \(declared); parameters.image describes [N, \(channels), \(height), \(width)]")
        }
    }

    /// The request's image (raw body, base64 JSON or multipart) as a [1, C, H, W] tensor.
    func tensor(from request: WorkerRequest) throws(WorkerError) -> Tensor {
        do throws(ImageError) {
            let input = try ImageInput.extract(body: request.body, contentType: request.contentType, limits: limits)
            return try preprocessing.tensor(from: input.bytes, limits: limits)
        } catch {
            throw .request(status: error.status, error.message)
        }
    }
}

/// Label → probability, rounded to 6 decimals.
func rounded(_ labels: [String], _ probabilities: [Float]) -> [String: Double] {
    Dictionary(uniqueKeysWithValues: zip(labels, probabilities).map { ($0, FraudWorker.round(Double($1))) })
}
