import Testing
@testable import HTTPCore

/// A declared Content-Length sizes nothing until the bytes arrive: past the limit it is
/// refused without a reservation, and within it only `initialReserve` is set aside until
/// more than that has been received.
@Suite struct HTTPBodyDecoderTests {
    static let limits = HTTPLimits(maxBodyBytes: 64 << 20)

    @Test(arguments: [64 << 20 + 1, 1_000_000_000_000, 999_999_999_999_999_999])
    func declaredLengthOverTheLimitIsRefusedBeforeAnyByte(length: Int) {
        var decoder = HTTPBodyDecoder(framing: .contentLength(length), limits: Self.limits)
        #expect(decoder.body.capacity == 0)
        let result = [UInt8]().withUnsafeBytes { decoder.decode($0) }
        guard case .invalid(.bodyTooLarge) = result else {
            Issue.record("expected bodyTooLarge, got \(result)")
            return
        }
    }

    @Test func aLargeDeclaredLengthReservesLittleUntilTheBytesArrive() {
        let decoder = HTTPBodyDecoder(framing: .contentLength(64 << 20), limits: Self.limits)
        #expect(decoder.body.capacity >= HTTPBodyDecoder.initialReserve)
        #expect(decoder.body.capacity < 2 * HTTPBodyDecoder.initialReserve)
    }

    @Test func aBodyLargerThanTheFirstReserveArrivesWholeInRandomSplits() {
        let size = 3 * HTTPBodyDecoder.initialReserve + 7
        var rng = SplitMix64(seed: 7)
        let payload = (0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        var decoder = HTTPBodyDecoder(framing: .contentLength(size), limits: Self.limits)
        var offset = 0
        var grownTo = 0
        while offset < size {
            let n = min(Int(rng.next() % 200_000) + 1, size - offset)
            let result = payload[offset..<(offset + n)].withUnsafeBytes { decoder.decode($0) }
            offset += n
            grownTo = max(grownTo, decoder.body.capacity)
            switch result {
            case .needMore(let consumed): #expect(consumed == n)
            case .complete(let consumed): #expect(consumed == n && offset == size)
            case .invalid(let error): Issue.record("unexpected \(error)")
            }
        }
        #expect(decoder.isComplete)
        // One jump to the declared size, not a doubling past it.
        #expect(grownTo >= size && grownTo < size + HTTPBodyDecoder.initialReserve)
        #expect(decoder.takeBody() == payload)
    }
}
