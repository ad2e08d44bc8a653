import HTTPCore

/// Feeds bytes to an `HTTPRequestParser` as `Connection` does: an incomplete head is kept
/// and passed again with more appended, consumed bytes are dropped, a head whose declared
/// body is over the limit (or whose expectation is unknown) ends the connection unread,
/// and an invalid input ends it too.
enum HTTPFeeder {
    /// A request as the handler would see it, reduced to what both feedings must agree on.
    struct Seen: Equatable {
        var method: String
        var target: String
        var headers: [String]
        var body: [UInt8]
        var trailers: [String]
    }

    /// Everything one feeding produced.
    struct Outcome: Equatable {
        var requests: [Seen] = []
        /// True when the connection would have been closed with an error response.
        var stopped = false
        /// True when the input ended inside a request (bytes of it unconsumed or its body unfinished).
        var waiting = false
    }

    static func feed(_ data: [UInt8], chunkSizes: [Int], limits: HTTPLimits) -> Outcome {
        var parser = HTTPRequestParser(limits: limits)
        var outcome = Outcome()
        var buffer: [UInt8] = []
        var start = 0
        var offset = 0
        var head: HTTPRequestHead?
        var sizes = chunkSizes.makeIterator()
        while offset < data.count {
            let n = max(1, min(sizes.next() ?? data.count, data.count - offset))
            // Bytes before `start` are consumed: dropping them is what compaction does.
            buffer.removeFirst(start)
            start = 0
            buffer += data[offset..<(offset + n)]
            offset += n
            parsing: while true {
                let result = buffer.withUnsafeBytes { parser.parse(UnsafeRawBufferPointer(rebasing: $0[start...])) }
                switch result {
                case .needMore(let consumed):
                    precondition(consumed >= 0 && start + consumed <= buffer.count, "needMore consumed \(consumed) of \(buffer.count - start)")
                    start += consumed
                    break parsing
                case .head(let h, let consumed):
                    precondition(consumed > 0 && start + consumed <= buffer.count, "head consumed \(consumed) of \(buffer.count - start)")
                    start += consumed
                    if case .contentLength(let length) = h.bodyFraming, length > limits.maxBodyBytes {
                        outcome.stopped = true  // 413 before the body is read
                        return outcome
                    }
                    if case .unsupported = h.expectation {
                        outcome.stopped = true  // 417
                        return outcome
                    }
                    _ = (h.path, h.query, h.keepAlive)
                    head = h
                case .complete(let body, let trailers, let consumed):
                    precondition(consumed >= 0 && start + consumed <= buffer.count, "complete consumed \(consumed) of \(buffer.count - start)")
                    start += consumed
                    guard let h = head else { preconditionFailure("a body completed without a head") }
                    precondition(body.count <= limits.maxBodyBytes, "body of \(body.count) bytes passed the \(limits.maxBodyBytes) limit")
                    handle(h, body: body, limits: limits)
                    outcome.requests.append(
                        Seen(
                            method: h.method.rawValue, target: h.target, headers: h.headers.map { "\($0.name): \($0.value)" },
                            body: body, trailers: trailers.map { "\($0.name): \($0.value)" }))
                    head = nil
                case .invalid:
                    outcome.stopped = true
                    return outcome
                }
            }
        }
        outcome.waiting = start < buffer.count || !parser.isIdle
        return outcome
    }

    /// What the connection does with a complete request before routing it: undo the
    /// Content-Encoding within the decoded-body cap, and negotiate the response's coding.
    static func handle(_ head: HTTPRequestHead, body: [UInt8], limits: HTTPLimits) {
        switch ContentCoding.ofRequest(head.headers) {
        case .gzip, .deflate:
            let zlib = ContentCoding.ofRequest(head.headers) == .deflate
            if let decoded = try? Gzip.decode(body, maxOutput: limits.maxDecodedBodyBytes, zlibWrapper: zlib) {
                precondition(decoded.count <= limits.maxDecodedBodyBytes, "inflated past the cap")
            }
        case .identity, .unsupported:
            break
        }
        _ = ContentCoding.acceptsGzip(head.headers)
    }
}
