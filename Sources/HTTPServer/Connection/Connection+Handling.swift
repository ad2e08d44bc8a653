import Dispatch
import HTTPCore
import Logging
import Synchronization

extension Connection {
    /// Undoes Content-Encoding, routes, and runs the handler where its kind says.
    func dispatch(body rawBody: [UInt8], trailers: HTTPHeaders) {
        guard let flight = current else { return }
        let head = flight.head
        var body = rawBody
        let coding = ContentCoding.ofRequest(head.headers)
        switch coding {
        case .identity:
            break
        case .gzip, .deflate:
            do {
                body = try Gzip.decode(
                    rawBody, maxOutput: server.configuration.limits.maxDecodedBodyBytes, zlibWrapper: coding == .deflate)
            } catch {
                let status: HTTPStatus = if case .tooLarge = error { .contentTooLarge } else { .badRequest }
                return respond(.error(status, error.description))
            }
        case .unsupported(let coding):
            var response = HTTPResponse.error(.unsupportedMediaType, "unsupported Content-Encoding '\(coding)'")
            response.headers.add(name: "Accept-Encoding", value: "gzip, deflate")  // RFC 9110 §12.5.3
            return respond(response)
        }
        let rawPath = String(head.path)
        switch server.router.match(method: head.method, path: rawPath) {
        case .notFound:
            respond(.error(.notFound, "no route for \(head.method) \(rawPath)"))
        case .methodNotAllowed(let allow):
            var response = HTTPResponse.error(.methodNotAllowed, "method \(head.method) not allowed for \(rawPath)")
            response.headers.add(name: "Allow", value: allow.map(\.rawValue).joined(separator: ", "))
            respond(response)
        case .found(let route, let parameters):
            var cancellation = Cancellation.never
            if !route.handler.isInline {
                cancellation = Cancellation()
                current?.cancellation = cancellation
            }
            let request = ServerRequest(
                head: head, path: PercentDecoding.decode(rawPath), query: PercentDecoding.query(head.query),
                parameters: parameters, body: body, trailers: trailers, requestID: flight.requestID,
                cancellation: cancellation)
            run(route.handler, request)
        }
    }

    private func run(_ handler: Handler, _ request: ServerRequest) {
        switch handler {
        case .inline(let body):
            respond(Connection.invoke(body, request, logger: server.logger))
        case .compute(let body):
            current?.waitingForHandler = true
            let logger = server.logger
            server.compute.submit { [self] in
                let response: HTTPResponse =
                    request.cancellation.isCancelled
                    ? .error(HTTPStatus(code: 499, reason: "Client Closed Request"), "client disconnected")
                    : Connection.invoke(body, request, logger: logger)
                loop.queue.async { self.completeAsync(response) }
            }
        case .deferred(let body):
            current?.waitingForHandler = true
            let once = Atomic<Bool>(false)
            let queue = loop.queue
            body(request, ResponseWriter { [self] response in
                guard !once.exchange(true, ordering: .relaxed) else { return }
                queue.async { self.completeAsync(response) }
            })
        }
    }

    /// Runs a synchronous handler, turning thrown errors into responses.
    static func invoke(_ body: (ServerRequest) throws -> HTTPResponse, _ request: ServerRequest, logger: Logger) -> HTTPResponse {
        do {
            return try body(request)
        } catch let error as HTTPError {
            return error.response
        } catch {
            logger.error("handler failed", metadata: ["error": "\(error)", "request_id": "\(request.requestID)", "path": "\(request.path)"])
            return .error(.internalServerError, "internal error (request id \(request.requestID))")
        }
    }

    /// A response produced off the loop: queue it, then resume parsing pipelined requests.
    private func completeAsync(_ response: HTTPResponse) {
        guard !closed, current != nil else { return }
        respond(response)
        processInbound()
    }

    /// Encodes the response for the current request into the outbound buffer, with its
    /// request id, gzip when negotiated, and the keep-alive decision; logs and counts it.
    func respond(_ response: HTTPResponse) {
        guard let flight = current else { return }
        current = nil
        var response = response
        let config = server.configuration
        if response.headers.contains("X-Request-Id") { response.headers.remove(name: "X-Request-Id") }
        if response.status.code >= 400 && response.headers["Content-Type"] == nil {
            response.headers.add(name: "Content-Type", value: "application/json")
        }
        if config.gzipMinBytes > 0, response.body.count >= config.gzipMinBytes, response.status.allowsBody,
            response.headers["Content-Encoding"] == nil, ContentCoding.acceptsGzip(flight.head.headers)
        {
            response.body = Gzip.encode(response.body)
            response.headers.add(name: "Content-Encoding", value: "gzip")
            response.headers.add(name: "Vary", value: "Accept-Encoding")
        }
        let now = Socket.monotonicNanos()
        let keepAlive = machine.responseQueued(requestKeepAlive: flight.head.keepAlive, now: now)
        let before = outbound.count
        HTTPResponseEncoder.encode(
            response, version: flight.head.version, keepAlive: keepAlive, omitBody: flight.head.method == .head,
            date: loop.date(), requestID: flight.requestID, into: &outbound)
        let record = RequestRecord(
            method: flight.head.method, path: String(flight.head.path), status: response.status.code, bytesIn: flight.bytesIn,
            bytesOut: outbound.count - before, durationNanos: now &- flight.started, requestID: flight.requestID)
        server.observer?.requestCompleted(record)
        if config.accessLog { logAccess(record) }
    }

    private func logAccess(_ r: RequestRecord) {
        server.logger.info(
            "request",
            metadata: [
                "method": "\(r.method)", "path": "\(r.path)", "status": .stringConvertible(r.status),
                "bytes_in": .stringConvertible(r.bytesIn), "bytes_out": .stringConvertible(r.bytesOut),
                "duration_us": .stringConvertible(r.durationNanos / 1000), "request_id": "\(r.requestID)",
            ])
    }
}
