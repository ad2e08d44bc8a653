#if canImport(Glibc)
import Glibc
#endif
import HTTPCore
import HTTPServer

/// Test-only routes (`debug_routes: true`), used by the integration suite to exercise
/// bodies, slow handlers and large responses before any model exists. Off by default.
enum DebugRoutes {
    static let maxSleepMilliseconds = 60_000
    static let maxGeneratedBytes = 256 << 20

    static func register(in router: inout Router) {
        // Echoes the decoded body: proves chunked and gzip request bodies arrive intact.
        router.add(.post, "/debug/echo", .inline { request in
            HTTPResponse(status: .ok, headers: ["Content-Type": "application/octet-stream"], body: request.body)
        })
        // Holds a compute thread, like an inference would; never a socket thread.
        router.add(.get, "/debug/sleep", .compute { request in
            let ms = try intParameter(request, "ms", max: maxSleepMilliseconds)
            usleep(UInt32(ms) * 1000)
            return .json("{\"slept_ms\":\(ms)}")
        })
        // A large, compressible body for gzip and slow-reader tests.
        router.add(.get, "/debug/bytes", .compute { request in
            let n = try intParameter(request, "n", max: maxGeneratedBytes)
            let pattern = Array("kiln streams bytes for tests. ".utf8)
            var body = [UInt8](repeating: 0, count: n)
            for i in 0..<n { body[i] = pattern[i % pattern.count] }
            return HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: body)
        })
    }

    private static func intParameter(_ request: ServerRequest, _ name: String, max: Int) throws -> Int {
        guard let text = request.queryValue(name), let value = Int(text), (0...max).contains(value) else {
            throw HTTPError(.badRequest, "query parameter '\(name)' must be an integer in 0...\(max)")
        }
        return value
    }
}
