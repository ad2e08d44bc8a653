import ArgumentParser
import Foundation
import InferenceServer

/// `kiln bench FOLDER --sample FILE`: where an industry request's time goes, stage by stage.
extension BenchCommand {
    func runService(threads: [Int]) throws {
        // The server's malloc settings, so the stages allocate the way they do when serving.
        _ = Application.keepFreedMemory()
        let bodies = try samples.map { path in
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read the sample '\(path)'") }
            return Array(data)
        }
        for t in threads {
            let service = try ServiceBenchmark.Service(folder: model, threads: t)
            if !json { print("model \(service.name) version \(service.version), threads \(t)") }
            for (path, body) in zip(samples, bodies) {
                let r = try ServiceBenchmark.run(service, body: body, contentType: Self.contentType(of: path), iterations: iterations)
                let file = String(path.split(separator: "/").last ?? "")
                if json {
                    print(#"{"sample": "\#(file)", "threads": \#(t), "rows": \#(r.rows), "prepare_p50_ms": \#(r.prepare.p50), "model_p50_ms": \#(r.model.p50), "finish_p50_ms": \#(r.finish.p50), "outside_share": \#(r.outsideShare)}"#)
                } else {
                    print(file.padding(toLength: max(24, file.count), withPad: " ", startingAt: 0) + String(format: " rows %4d  prepare p50 %7.3f ms  model p50 %7.3f ms  finish p50 %7.3f ms  outside the model %5.1f %%",
                                 r.rows, r.prepare.p50, r.model.p50, r.finish.p50, r.outsideShare * 100))
                }
            }
        }
    }

    /// What a client would send for the file: images by extension, anything else as JSON.
    static func contentType(of path: String) -> String {
        switch path.split(separator: ".").last?.lowercased() {
        case "jpg", "jpeg": "image/jpeg"
        case "png": "image/png"
        default: "application/json"
        }
    }
}
