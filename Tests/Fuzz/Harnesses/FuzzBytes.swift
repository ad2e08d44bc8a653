/// Decisions a harness takes from its input (split points, modes, limits), read so that the
/// same bytes always mean the same run: libFuzzer needs determinism to minimise and replay.
struct FuzzBytes {
    let bytes: [UInt8]
    private(set) var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The next byte, or 0 once the input is used up (an exhausted input still runs).
    mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// A little-endian 16-bit value from the next two bytes.
    mutating func uint16() -> Int { Int(byte()) | Int(byte()) << 8 }

    /// Everything not yet read.
    var rest: [UInt8] { Array(bytes[min(position, bytes.count)...]) }

    /// FNV-1a of the whole input: a seed for choices that must not depend on one byte alone
    /// (such as where to split), so most mutations keep the rest of the run comparable.
    static func hash(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}

/// SplitMix64: a tiny seeded generator for split points derived from the input's hash.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
