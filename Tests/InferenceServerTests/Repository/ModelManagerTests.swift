import Foundation
import HTTPServer
import TensorEngine
import Testing

@testable import InferenceServer

@Suite struct ModelManagerTests {
    func infer(_ m: ModelManager, _ name: String, version: String? = nil) throws -> [Float] {
        let served = try m.lookup(name, version: version)
        let x: [Float] = [1, 2, 3, 4]
        let r = try runJob(served.scheduler) { done in
            InferenceJob(inputs: [Tensor(shape: [1, 4], floats: x)], rows: 1, cancellation: Cancellation(), completion: done)
        }
        return r.outputs[0].floats
    }

    @Test func latestVersionServesAndOlderStaysAddressableWithPolicyAll() throws {
        let repo = try TestRepository()
        defer { repo.remove() }
        try repo.addModel("lin", config: #"{"version_policy": {"all": {}}}"#)
        try repo.addVersion("lin", 1, scale: 1)
        try repo.addVersion("lin", 2, scale: 2)
        let m = repo.manager(pool: ComputePool(threads: 1))
        #expect(try m.loadAll().isEmpty)
        #expect(try infer(m, "lin") == TestRepository.expected([1, 2, 3, 4], scale: 2))
        #expect(try infer(m, "lin", version: "1") == TestRepository.expected([1, 2, 3, 4], scale: 1))
        #expect(m.allReady)
        #expect(m.index().map(\.state) == ["READY", "READY"])
    }

    @Test func corruptNewVersionIsRefusedWhileTheOldOneServes() throws {
        let repo = try TestRepository()
        defer { repo.remove() }
        try repo.addModel("lin")
        try repo.addVersion("lin", 1, scale: 1)
        let m = repo.manager(mode: .poll, pool: ComputePool(threads: 1))
        try m.loadAll()
        try repo.addCorruptVersion("lin", 2)
        m.work.sync { m.poll() }
        #expect(try m.lookup("lin").version == 1, "version 1 keeps serving")
        #expect(try infer(m, "lin") == TestRepository.expected([1, 2, 3, 4], scale: 1))
        let row = m.index().first { $0.version == 2 }
        #expect(row?.state == "UNAVAILABLE" && row?.reason.contains("version 2") == true)
        // A good file replacing the bad one is picked up and swapped in.
        try FileManager.default.removeItem(atPath: repo.root + "/lin/2")
        try repo.addVersion("lin", 2, scale: 3)
        m.work.sync { m.poll() }
        #expect(try m.lookup("lin").version == 2)
        #expect(try infer(m, "lin") == TestRepository.expected([1, 2, 3, 4], scale: 3))
        #expect(throws: InferError.self) { try m.lookup("lin", version: "1") }
    }

    @Test func explicitLoadAndUnload() throws {
        let repo = try TestRepository()
        defer { repo.remove() }
        let m = repo.manager(pool: ComputePool(threads: 1))
        try m.loadAll()
        #expect(throws: InferError.self) { try m.lookup("lin") }
        try repo.addModel("lin")
        try repo.addVersion("lin", 1, scale: 1)
        try m.load("lin")
        #expect(try m.lookup("lin").version == 1)
        try m.unload("lin")
        #expect { try m.lookup("lin") } throws: { ($0 as? InferError)?.kind == .notFound }
        #expect(throws: RepositoryError.self) { try m.load("missing") }
    }

    /// Names reach `load` percent-decoded from the URL ("..%2Fx" is "../x"): only a folder
    /// directly inside the repository may be loaded, never a sibling of it.
    @Test func loadRefusesNamesThatLeaveTheRepository() throws {
        let repo = try TestRepository()
        let outside = try TestRepository()
        defer {
            repo.remove()
            outside.remove()
        }
        try outside.addModel("lin")
        try outside.addVersion("lin", 1, scale: 1)
        let m = repo.manager(pool: ComputePool(threads: 1))
        try m.loadAll()
        let sibling = "../" + URL(fileURLWithPath: outside.root).lastPathComponent + "/lin"
        for name in [sibling, "..", ".", ".hidden", "_private", "a/b", "lin\u{0}", "lin\n", String(repeating: "m", count: 5000)] {
            #expect(throws: RepositoryError.self, "\(name.prefix(40))") { try m.load(name) }
        }
        #expect(m.index().isEmpty)
        #expect(throws: InferError.self) { try m.lookup(sibling) }
    }

    @Test func brokenConfigKeepsServingTheLoadedVersion() throws {
        let repo = try TestRepository()
        defer { repo.remove() }
        try repo.addModel("lin", config: #"{"max_batch_size": 4}"#)
        try repo.addVersion("lin", 1, scale: 1)
        let m = repo.manager(mode: .poll, pool: ComputePool(threads: 1))
        try m.loadAll()
        try #"{"max_batch_size": "four"}"#.write(toFile: repo.root + "/lin/config.json", atomically: true, encoding: .utf8)
        m.work.sync { m.poll() }
        #expect(try infer(m, "lin") == TestRepository.expected([1, 2, 3, 4], scale: 1))
        #expect(try m.lookup("lin").config.maxBatchSize == 4)
    }
}
