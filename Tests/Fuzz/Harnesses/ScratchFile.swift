import Foundation

/// Where path-based loaders (.kiln, ONNX) read a fuzz input from: one file per process in
/// /dev/shm when it exists (no disk writes per run), else the temporary directory.
enum ScratchFile {
    static let directory: String = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let dir = base + "/kiln-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // libFuzzer ends with exit(), so the folder goes away with the process.
        atexit { try? FileManager.default.removeItem(atPath: ScratchFile.directory) }
        return dir
    }()

    /// Writes `bytes` to `name` in the scratch folder and returns its path.
    static func write(_ bytes: [UInt8], name: String) -> String {
        let path = directory + "/" + name
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            fatalError("cannot write the scratch file \(path)")
        }
        return path
    }
}
