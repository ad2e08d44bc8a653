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
        for name in names where isModelName(name) {
            if let source = try scan(root: root, model: name) { sources[name] = source }
        }
        return sources
    }

    /// A name that can only mean a folder directly inside the repository: one path
    /// component (no "/", no NUL, not "." or ".."), not hidden or `_`-prefixed, at most
    /// NAME_MAX (255) bytes. Names from requests arrive percent-decoded, so "..%2Fx"
    /// reaches here as "../x" and is refused before any path is built from it.
    static func isModelName(_ name: String) -> Bool {
        let bytes = name.utf8
        guard let first = bytes.first, bytes.count <= 255, first != UInt8(ascii: "."), first != UInt8(ascii: "_") else { return false }
        return !bytes.contains { $0 == UInt8(ascii: "/") || $0 < 0x20 || $0 == 0x7F }
    }

    /// One model's folder, or nil when `root/model` is not a directory. A folder that exists
    /// but cannot be listed (no descriptor left: EMFILE) throws rather than reading as gone,
    /// which would unload a serving model until the next scan.
    static func scan(root: String, model: String) throws(RepositoryError) -> Source? {
        let folder = root + "/" + model
        guard isDirectory(folder) else { return nil }
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw RepositoryError(model: model, "cannot list the model folder '\(folder)'")
        }
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
