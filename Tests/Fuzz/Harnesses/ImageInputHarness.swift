import Workers

/// The image services' whole request path: `ImageInput.extract` (raw body, base64 JSON or
/// multipart), decoding and preprocessing, through the defect-detection and medical-triage
/// workers with their shipped settings and lowered pixel caps. The first input line (up to
/// LF, at most 256 bytes) is the Content-Type; the rest is the body.
enum ImageInputHarness {
    /// The pixel and size caps the harness runs with: large enough for the seeds, small
    /// enough that a forged header cannot make one run decode for seconds.
    static let caps: [String: JSONValue] = ["max_pixels": .number(1_000_000), "max_encoded_bytes": .number(1_048_576)]

    static let workers: [(any Worker, ShippedModel)] = {
        let defect = ShippedModel("defect_detection", image: caps)
        let triage = ShippedModel("medical_triage", image: caps)
        return [
            (defect.worker { (m) throws(WorkerError) in try DefectWorker(model: m) }, defect),
            (triage.worker { (m) throws(WorkerError) in try TriageWorker(model: m) }, triage),
        ]
    }()

    static func run(_ data: [UInt8]) {
        var contentType: String?
        var body = data
        if let lf = data.prefix(256).firstIndex(of: 0x0A) {
            contentType = String(decoding: data[..<lf], as: UTF8.self)
            body = Array(data[(lf + 1)...])
        }
        let request = WorkerRequest(body: body, contentType: contentType)
        // The first worker decodes; the second (gray, another size) only when it has to.
        for (worker, shipped) in workers {
            guard let prepared = try? worker.prepare(request) else { return }
            precondition(prepared.rows == 1, "an image request prepared \(prepared.rows) rows")
            guard let answer = try? worker.finish(prepared, outputs: shipped.outputs(rows: 1)) else { continue }
            precondition(JSONValue.parse(answer) != nil, "\(shipped.model.name) answered with invalid JSON")
        }
    }
}
