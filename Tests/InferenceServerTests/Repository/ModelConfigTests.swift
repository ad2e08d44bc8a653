import Testing

@testable import InferenceServer

@Suite struct ModelConfigTests {
    func parse(_ text: String) throws(RepositoryError) -> ModelConfig {
        try ModelConfig.parse(Array(text.utf8), folderName: "m")
    }

    @Test func emptyObjectGivesDefaults() throws {
        let c = try parse("{}")
        #expect(c == ModelConfig(name: "m"))
        #expect(c.maxBatchSize == 8 && c.dynamicBatching.enabled && c.versionPolicy == .latest(1))
    }

    @Test func everyKeyIsRead() throws {
        let c = try parse(
            """
            {"kind": "fraud_scoring", "max_batch_size": 16, "max_queue_size": 5, "instance_count": 2, "threads": 1,
             "default_timeout_us": 2000, "parameters": {"threshold": 0.7},
             "dynamic_batching": {"enabled": true, "preferred_batch_sizes": [8, 4, 8], "max_queue_delay_us": 100, "dispatch_when_idle": false},
             "version_policy": {"specific": {"versions": [1, 3]}}}
            """)
        #expect(c.kind == "fraud_scoring" && c.maxBatchSize == 16 && c.maxQueueSize == 5 && c.instanceCount == 2 && c.threads == 1)
        #expect(c.defaultTimeoutMicroseconds == 2000 && c.parameters["threshold"] == .number(0.7))
        #expect(c.dynamicBatching.preferredBatchSizes == [4, 8] && c.dynamicBatching.maxQueueDelayMicroseconds == 100)
        #expect(!c.dynamicBatching.dispatchWhenIdle)
        #expect(c.versionPolicy == .specific([1, 3]))
    }

    @Test(arguments: [
        (#"{"max_batch": 4}"#, "unknown key 'max_batch'"),
        (#"{"name": "other"}"#, "differs from its folder"),
        (#"{"kind": "toaster"}"#, "kind 'toaster'"),
        (#"{"max_batch_size": 0}"#, "max_batch_size must be an integer in 1...65536"),
        (#"{"max_batch_size": 2.5}"#, "max_batch_size must be an integer"),
        (#"{"threads": "2"}"#, "threads must be an integer"),
        (#"{"dynamic_batching": {"preferred_batch_sizes": [16]}}"#, "preferred_batch_sizes must be an integer in 1...8"),
        (#"{"dynamic_batching": {"delay": 1}}"#, "unknown key 'delay'"),
        (#"{"version_policy": {"newest": {}}}"#, "kind 'newest'"),
        (#"{"version_policy": {"specific": {"versions": []}}}"#, "non-empty versions"),
        (#"[1, 2]"#, "not a JSON object"),
        (#"{"kind": "generic""#, "not valid JSON"),
    ])
    func refusesWithTheKeyNamed(text: String, fragment: String) {
        #expect {
            _ = try parse(text)
        } throws: { error in
            "\(error)".contains(fragment)
        }
    }

    @Test func versionPolicies() {
        #expect(VersionPolicy.latest(2).select(from: [1, 3, 2, 10]) == [10, 3])
        #expect(VersionPolicy.all.select(from: [2, 1]) == [2, 1])
        #expect(VersionPolicy.specific([1, 5]).select(from: [1, 2, 3]) == [1])
    }
}
