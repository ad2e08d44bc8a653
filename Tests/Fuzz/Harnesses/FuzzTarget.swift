/// Every fuzz harness by name: the libFuzzer entry point and the replay tests both dispatch
/// through here, so a corpus file means the same thing to either.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case httpRequest = "http-request"
    case httpChunked = "http-chunked"
    case multipart
    case base64
    case gzip
    case v2Request = "v2-request"
    case workerJSON = "worker-json"
    case image
    case imageInput = "image-input"
    case kiln
    case npy
    case onnx

    /// Runs one input through the harness. Thrown errors are the parsers' business and are
    /// swallowed inside; anything that returns is a pass, a trap or sanitizer report is a bug.
    public func run(_ data: [UInt8]) {
        switch self {
        case .httpRequest: HTTPRequestHarness.run(data)
        case .httpChunked: HTTPRequestHarness.runChunked(data)
        case .multipart: MultipartHarness.run(data)
        case .base64: Base64Harness.run(data)
        case .gzip: GzipHarness.run(data)
        case .v2Request: V2RequestHarness.run(data)
        case .workerJSON: WorkerJSONHarness.run(data)
        case .image: ImageHarness.run(data)
        case .imageInput: ImageInputHarness.run(data)
        case .kiln: KilnHarness.run(data)
        case .npy: NPYHarness.run(data)
        case .onnx: ONNXHarness.run(data)
        }
    }

    /// Loads what a harness needs once (model configs, catalogues) so the first input is not
    /// charged for it and a missing repository file fails loudly at start-up.
    public func prepare() {
        switch self {
        case .workerJSON: _ = WorkerJSONHarness.workers
        case .imageInput: _ = ImageInputHarness.workers
        default: break
        }
    }
}
