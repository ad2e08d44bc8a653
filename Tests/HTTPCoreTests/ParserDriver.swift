@testable import HTTPCore

/// Feeds bytes to `HTTPRequestParser` the way a connection does (keeping an incomplete
/// head's bytes, dropping consumed body bytes), in whatever chunks it is given.
struct ParserDriver {
    /// One parsed request.
    struct Parsed: Equatable {
        var method: String
        var target: String
        var version: HTTPVersion
        var headers: HTTPHeaders
        var body: [UInt8]
        var trailers: HTTPHeaders
        var keepAlive: Bool
        var expectation: HTTPRequestHead.Expectation
        var path: String
        var query: String?
    }

    /// Everything that came out of one run.
    struct Outcome: Equatable {
        var requests: [Parsed] = []
        var error: HTTPParseError?
        /// Bytes left unparsed at the end (an incomplete request).
        var leftover = 0
    }

    static func run(_ data: [UInt8], chunkSizes: [Int], limits: HTTPLimits) -> Outcome {
        var parser = HTTPRequestParser(limits: limits)
        var buffer: [UInt8] = []
        var start = 0
        var outcome = Outcome()
        var head: HTTPRequestHead?
        var offset = 0
        var sizes = chunkSizes.makeIterator()
        while offset < data.count {
            let n = min(sizes.next() ?? data.count, data.count - offset)
            buffer += data[offset..<(offset + n)]
            offset += n
            parsing: while true {
                let result = buffer.withUnsafeBytes { parser.parse(UnsafeRawBufferPointer(rebasing: $0[start...])) }
                switch result {
                case .needMore(let consumed):
                    start += consumed
                    break parsing
                case .head(let h, let consumed):
                    start += consumed
                    head = h
                case .complete(let body, let trailers, let consumed):
                    start += consumed
                    let h = head!
                    outcome.requests.append(
                        Parsed(
                            method: h.method.rawValue, target: h.target, version: h.version, headers: h.headers, body: body,
                            trailers: trailers, keepAlive: h.keepAlive, expectation: h.expectation, path: String(h.path),
                            query: h.query.map(String.init)))
                    head = nil
                case .invalid(let error):
                    outcome.error = error
                    return outcome
                }
            }
        }
        outcome.leftover = buffer.count - start
        return outcome
    }

    /// Chunk sizes for the three feeding strategies: whole, byte by byte, random splits.
    static func strategies(for count: Int, seed: UInt64) -> [(String, [Int])] {
        var rng = SplitMix64(seed: seed)
        var random: [Int] = []
        var total = 0
        while total < count {
            let n = Int(rng.next() % 17) + 1
            random.append(n)
            total += n
        }
        return [("whole", [count]), ("byte-by-byte", Array(repeating: 1, count: count)), ("random", random)]
    }
}

/// A tiny seeded generator so random splits are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
