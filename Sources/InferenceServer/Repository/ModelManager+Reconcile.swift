import Dispatch
import Foundation

extension ModelManager {
    /// Brings one model in line with its folder: parses the config, loads the versions the
    /// policy selects that are new or changed, and retires versions no longer selected —
    /// unless a selected one failed, in which case everything serving keeps serving.
    /// Runs on `work`. Returns the problem, if any (already logged).
    func reconcile(model name: String, source: RepositoryScanner.Source?, force: Bool = false) -> RepositoryError? {
        guard let source else {
            if mode == .poll, state.withLock({ $0[name] != nil }) { remove(name) }
            return nil
        }
        var entry = state.withLock { $0[name] } ?? ModelEntry()
        // The config: a broken one keeps the old versions serving with the old config.
        var config = ModelConfig(name: name)
        if let stamp = source.config, stamp == entry.failedConfig, !force { return nil }  // same broken file: logged once
        if source.config != nil {
            let path = root + "/" + name + "/" + RepositoryScanner.configFile
            do throws(RepositoryError) {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw RepositoryError(model: name, "cannot read config.json")
                }
                config = try ModelConfig.parse(Array(data), folderName: name)
            } catch {
                entry.failedConfig = source.config
                return record(name, entry: entry, problem: error)
            }
        }
        let configChanged = entry.config != nil && entry.config != config
        let wanted = config.versionPolicy.select(from: Array(source.versions.keys))
        if wanted.isEmpty {
            return record(name, entry: entry, problem: RepositoryError(model: name, "no version folder with a model.kiln"))
        }
        var loaded: [Int: ServedVersion] = [:]
        var failed = false
        var problem: RepositoryError?
        for v in wanted {
            let stamp = source.versions[v]!
            if let current = entry.versions[v], current.stamp == stamp, !configChanged {
                loaded[v] = current
                continue
            }
            if !force, let failure = entry.failures[v], failure.stamp == stamp, !configChanged {
                failed = true  // the same file failed before; do not retry until it changes
                continue
            }
            let path = "\(root)/\(name)/\(v)/\(RepositoryScanner.modelFile)"
            let started = DispatchTime.now().uptimeNanoseconds
            do {
                loaded[v] = try ServedVersion(name: name, version: v, path: path, config: config, stamp: stamp, environment: environment)
                entry.failures[v] = nil
                logger.info(
                    "model version loaded",
                    metadata: [
                        "model": "\(name)", "version": "\(v)",
                        "load_ms": .stringConvertible((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000),
                    ])
            } catch {
                failed = true
                problem = error
                entry.failures[v] = (stamp, error.message)
                logger.error("model version refused", metadata: ["model": "\(name)", "version": "\(v)", "reason": "\(error.message)"])
            }
        }
        // A failed version must not cost a serving one: keep every old version too.
        var next = loaded
        if failed { for (v, old) in entry.versions where next[v] == nil { next[v] = old } }
        let retired = entry.versions.filter { v, old in next[v] !== old }.map(\.value)
        entry.versions = next
        entry.config = config
        entry.configStamp = source.config
        entry.failedConfig = nil
        entry.error = next.isEmpty ? problem?.message : nil
        let stored = entry
        state.withLock { $0[name] = stored }
        // Retired versions drain: no new lookup finds them, what reached them still runs.
        for old in retired {
            logger.info("model version retired", metadata: ["model": "\(name)", "version": "\(old.version)"])
        }
        return problem
    }

    /// Stores a model-level problem; versions already serving stay.
    private func record(_ name: String, entry: ModelEntry, problem: RepositoryError) -> RepositoryError {
        var entry = entry
        entry.error = problem.message
        let stored = entry
        state.withLock { $0[name] = stored }
        logger.error("model refused", metadata: ["model": "\(name)", "reason": "\(problem.message)"])
        return problem
    }

    /// Rescans the whole repository and reconciles every model whose files changed.
    func poll() {
        guard let sources = try? RepositoryScanner.scan(root: root) else {
            logger.warning("cannot scan the model repository", metadata: ["path": "\(root)"])
            return
        }
        let known = state.withLock { Set($0.keys) }
        for name in Set(sources.keys).union(known).sorted() {
            // Cheap when nothing changed: the config is re-read, stamps compared, no load.
            _ = reconcile(model: name, source: sources[name])
        }
    }

    /// Polls every `seconds` on the repository queue, for as long as the manager lives.
    public func startPolling(every seconds: Double) {
        guard mode == .poll, seconds > 0 else { return }
        schedulePoll(after: .milliseconds(Int(seconds * 1000)))
    }

    private func schedulePoll(after interval: DispatchTimeInterval) {
        work.asyncAfter(deadline: .now() + interval) { [weak self] in
            guard let self else { return }
            poll()
            schedulePoll(after: interval)
        }
    }
}
