import Dispatch
import Foundation
import Logging
import TensorEngine

/// The model repository as served: which versions of which models are loaded, and why
/// the others are not. Loads and unloads run one at a time on a background queue; each
/// swaps fully verified versions in under a lock, so requests always see either the old
/// set or the new one, and a version that fails to load never replaces one that serves.
public final class ModelManager: Sendable {
    /// `poll` watches the folder; `explicit` changes models only through the repository API.
    public enum ControlMode: String, Sendable { case poll, explicit }

    public let root: String
    public let mode: ControlMode
    let environment: ServedVersion.Environment
    let logger: Logger
    let state = Locked<[String: ModelEntry]>([:])
    /// Serialises loads, unloads and polls.
    let work = DispatchQueue(label: "kiln.repository")

    /// One model as the manager knows it.
    struct ModelEntry: Sendable {
        var config: ModelConfig?
        var configStamp: RepositoryScanner.Stamp?
        var versions: [Int: ServedVersion] = [:]
        /// Versions that failed, with the file identity that failed and the reason; the
        /// same file is not retried until it changes.
        var failures: [Int: (stamp: RepositoryScanner.Stamp, reason: String)] = [:]
        /// A problem with the model as a whole (unreadable config).
        var error: String?
        /// The config file identity that failed to parse, not re-read until it changes.
        var failedConfig: RepositoryScanner.Stamp?

        var isReady: Bool { !versions.isEmpty }
    }

    public init(root: String, mode: ControlMode, environment: ServedVersion.Environment, logger: Logger) {
        self.root = root
        self.mode = mode
        self.environment = environment
        self.logger = logger
    }

    /// Loads every model in the repository (blocking; at start-up). Returns the problems.
    @discardableResult
    public func loadAll() throws(RepositoryError) -> [RepositoryError] {
        let sources = try RepositoryScanner.scan(root: root)
        return work.sync { sources.keys.sorted().compactMap { reconcile(model: $0, source: sources[$0]) } }
    }

    /// (Re)loads one model from disk now (the repository API's `load`).
    public func load(_ name: String) throws(RepositoryError) {
        guard RepositoryScanner.isModelName(name) else {
            throw RepositoryError(model: String(name.prefix(64)), "not a model name: one folder name inside the repository, at most 255 bytes, not hidden")
        }
        let problem: RepositoryError? = work.sync {
            let source: RepositoryScanner.Source?
            do throws(RepositoryError) {
                source = try RepositoryScanner.scan(root: root, model: name)
            } catch {
                return error
            }
            guard let source else { return RepositoryError(model: name, "no folder '\(name)' in the model repository") }
            return reconcile(model: name, source: source, force: true)
        }
        if let problem { throw problem }
    }

    /// Stops serving a model; queued and running requests finish first (the repository
    /// API's `unload`, or its folder disappearing in poll mode).
    public func unload(_ name: String) throws(RepositoryError) {
        guard work.sync(execute: { remove(name) }) else { throw RepositoryError(model: name, "not loaded") }
    }

    /// Removes a model and drains its versions; runs on `work`. False when it was not known.
    @discardableResult
    func remove(_ name: String) -> Bool {
        guard let removed = state.withLock({ $0.removeValue(forKey: name) }) else { return false }
        logger.info("model unloaded", metadata: ["model": "\(name)", "versions": "\(removed.versions.keys.sorted())"])
        return true
    }

    /// The version a request names, or the highest one loaded.
    public func lookup(_ name: String, version: String? = nil) throws(InferError) -> ServedVersion {
        let entry = state.withLock { $0[name] }
        guard let entry else { throw InferError(.notFound, "unknown model '\(name)'") }
        if let version {
            guard let v = Int(version), v > 0, String(v) == version else {
                throw InferError(.badInput, "model '\(name)': version '\(version)' is not a positive integer")
            }
            guard let served = entry.versions[v] else {
                if entry.failures[v] != nil { throw InferError(.unavailable, "model '\(name)' version \(v) is not ready") }
                throw InferError(.notFound, "unknown version \(v) of model '\(name)'")
            }
            return served
        }
        guard let latest = entry.versions.keys.max().flatMap({ entry.versions[$0] }) else {
            throw InferError(.unavailable, "model '\(name)' is not ready")
        }
        return latest
    }

    /// Every model folder on disk or loaded, as the repository index reports it.
    public func index() -> [IndexRow] {
        let entries = state.withLock { $0 }
        let onDisk = (try? RepositoryScanner.scan(root: root)) ?? [:]
        var rows: [IndexRow] = []
        for name in Set(entries.keys).union(onDisk.keys).sorted() {
            let entry = entries[name]
            let versions = Set(entry?.versions.keys.map { $0 } ?? []).union(entry?.failures.keys.map { $0 } ?? [])
            if versions.isEmpty {
                rows.append(IndexRow(name: name, version: nil, state: "UNAVAILABLE", reason: entry?.error ?? "unloaded"))
            }
            for v in versions.sorted() {
                if entry?.versions[v] != nil {
                    rows.append(IndexRow(name: name, version: v, state: "READY", reason: ""))
                } else {
                    rows.append(IndexRow(name: name, version: v, state: "UNAVAILABLE", reason: entry?.failures[v]?.reason ?? ""))
                }
            }
        }
        return rows
    }

    /// One line of the repository index.
    public struct IndexRow: Sendable, Equatable {
        public var name: String
        public var version: Int?
        public var state: String
        public var reason: String
    }

    /// True when every model known has at least one version serving.
    public var allReady: Bool { state.withLock { $0.values.allSatisfy(\.isReady) } }

    /// Names of models with a serving version.
    public var readyModels: [String] { state.withLock { $0.filter { $0.value.isReady }.keys.sorted() } }

    /// Every served version (for statistics of all models).
    public var servedVersions: [ServedVersion] {
        let entries = state.withLock { $0 }
        return entries.keys.sorted().flatMap { name -> [ServedVersion] in
            let versions = entries[name]!.versions
            return versions.keys.sorted().map { versions[$0]! }
        }
    }

    /// True when no version has work queued or running.
    public var isIdle: Bool { servedVersions.allSatisfy { $0.scheduler.isIdle } }
}
