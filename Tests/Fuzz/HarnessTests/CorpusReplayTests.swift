import Foundation
import KilnFuzzHarnesses
import Testing

/// Every committed seed (Tests/Fuzz/Corpus/<harness>) and every input that once crashed a
/// harness (Tests/Fuzz/Regressions/<harness>) replayed through the same harness code the
/// fuzzer runs, in the ordinary debug build: a trap here fails the unit tests without
/// needing the sanitizer build.
@Suite struct CorpusReplayTests {
    static let fuzzFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    /// The files of `Corpus/<harness>` or `Regressions/<harness>`, sorted by name.
    static func inputs(_ kind: String, _ target: FuzzTarget) -> [URL] {
        let folder = fuzzFolder.appendingPathComponent(kind).appendingPathComponent(target.rawValue)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().map { folder.appendingPathComponent($0) }
    }

    @Test(arguments: FuzzTarget.allCases)
    func everySeedAndRegressionInputRunsCleanly(target: FuzzTarget) throws {
        let seeds = Self.inputs("Corpus", target)
        #expect(!seeds.isEmpty, "harness \(target.rawValue) has no committed seed corpus")
        target.prepare()
        for file in seeds + Self.inputs("Regressions", target) {
            target.run(Array(try Data(contentsOf: file)))
        }
    }

    @Test func seedsStaySmall() throws {
        var total = 0
        for target in FuzzTarget.allCases {
            for file in Self.inputs("Corpus", target) {
                let size = try #require(try file.resourceValues(forKeys: [.fileSizeKey]).fileSize)
                #expect(size < 64 * 1024, "\(file.lastPathComponent) is \(size) bytes; seeds stay under 64 KB")
                total += size
            }
        }
        #expect(total < 1 << 20, "the committed corpus is \(total) bytes; keep it under 1 MiB")
    }

    @Test func everyCorpusFolderNamesAHarness() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.fuzzFolder.appendingPathComponent("Corpus").path)
        for name in folders { #expect(FuzzTarget(rawValue: name) != nil, "Corpus/\(name) is not a harness name") }
    }
}
