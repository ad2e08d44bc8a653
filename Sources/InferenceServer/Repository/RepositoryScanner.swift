import Foundation

/// What the repository folder holds right now, without loading anything: per model, its
/// config file's and each version's `model.kiln` identity (size, modification time,
/// inode). The poller compares scans to notice a new, changed or removed version; a file
/// still being copied changes identity again and is retried on the next scan.
enum RepositoryScanner {
    /// A file's identity; any change means "reload".
    struct Stamp: Equatable, Sendable {
        var size: Int
        var modifiedNanos: Int
        var inode: UInt64
    }

    /// One model folder.
    struct Source: Equatable, Sendable {
        var name: String
        var config: Stamp?
        var versions: [Int: Stamp]
    }

    static let modelFile = "model.kiln"
    static let configFile = "config.json"

    /// Every model folder under `root` (hidden and `_`-prefixed names skipped).
    static func scan(root: String) throws(RepositoryError) -> [String: Source] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root) else {
            throw RepositoryError(model: "*", "cannot read the model repository '\(root)'")
        }
        var sources: [String: Source] = [:]
        for name in names where !name.hasPrefix(".") && !name.hasPrefix("_") {
            if let source = scan(root: root, model: name) { sources[name] = source }
        }
        return sources
    }

    /// One model's folder, or nil when `root/model` is not a directory.
    static func scan(root: String, model: String) -> Source? {
        let folder = root + "/" + model
        guard isDirectory(folder), let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return nil }
        var versions: [Int: Stamp] = [:]
        for entry in entries {
            // Version folders are positive integers written in plain decimal ("1", "12").
            guard let v = Int(entry), v > 0, String(v) == entry, isDirectory(folder + "/" + entry) else { continue }
            if let stamp = stamp(folder + "/" + entry + "/" + modelFile) { versions[v] = stamp }
        }
        return Source(name: model, config: stamp(folder + "/" + configFile), versions: versions)
    }

    static func stamp(_ path: String) -> Stamp? {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Stamp(
            size: Int(st.st_size), modifiedNanos: Int(st.st_mtim.tv_sec) * 1_000_000_000 + Int(st.st_mtim.tv_nsec),
            inode: UInt64(st.st_ino))
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}
