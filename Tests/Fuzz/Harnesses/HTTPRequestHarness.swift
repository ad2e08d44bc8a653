import HTTPCore

/// `HTTPRequestParser` driven the way a connection drives it: the input is fed whole and
/// again in chunks whose sizes come from the input's hash, pipelined requests are parsed
/// until the input runs out or the parser refuses it, and each complete request goes
/// through the server's next steps (Content-Encoding, gzip inflation with the decoded-body
/// cap, Accept-Encoding negotiation). Both feedings must agree on the requests they saw.
enum HTTPRequestHarness {
    /// Small limits, so request lines, header blocks, bodies and chunks reach them often.
    static let limits = HTTPLimits(
        maxRequestLineBytes: 256, maxHeaderBytes: 1024, maxHeaderCount: 16, maxBodyBytes: 4096, maxDecodedBodyBytes: 16384)

    /// A chunked POST head for `runChunked`: the input after it is the chunked body.
    static let chunkedHeads: [String] = [
        "POST /v2/models/m/infer HTTP/1.1\r\nHost: kiln\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST /v1/fraud-scoring HTTP/1.1\r\nHost: kiln\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n",
        "POST /v2/models/m/infer HTTP/1.1\r\nHost: kiln\r\nTransfer-Encoding: chunked\r\nContent-Encoding: deflate\r\n\r\n",
        "PUT /x HTTP/1.1\r\nHost: kiln\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n",
    ]

    static func run(_ data: [UInt8]) {
        let whole = HTTPFeeder.feed(data, chunkSizes: [data.count], limits: limits)
        var rng = SplitMix(state: FuzzBytes.hash(data))
        var sizes: [Int] = []
        var total = 0
        while total < data.count {
            // Mostly small pieces, sometimes one byte, sometimes large: every state boundary.
            let n = Int(rng.next() % 4 == 0 ? 1 : rng.next() % 64 + 1)
            sizes.append(n)
            total += n
        }
        let split = HTTPFeeder.feed(data, chunkSizes: sizes, limits: limits)
        precondition(
            whole.requests == split.requests,
            "whole and split feeding disagree: \(whole.requests.count) vs \(split.requests.count) requests")
        // The request-line limit is checked at each pause inside the line, so a long line cut
        // before its end is refused sooner in pieces; the other feeding is then still waiting
        // for the rest of that head, and would refuse it once the line ends.
        precondition(
            whole.stopped == split.stopped || (whole.stopped ? split.waiting : whole.waiting),
            "whole feeding stopped: \(whole.stopped), split: \(split.stopped)")
    }

    /// The first input byte picks one of `chunkedHeads`; the rest is the chunked body (and
    /// whatever pipelined requests follow it).
    static func runChunked(_ data: [UInt8]) {
        var input = FuzzBytes(data)
        let head = chunkedHeads[Int(input.byte()) % chunkedHeads.count]
        run(Array(head.utf8) + input.rest)
    }
}
