import HTTPCore
import Testing
@testable import HTTPServer

/// Route matching: static paths, parameters, 404, 405 with Allow, HEAD falling back to GET.
@Suite struct RouterTests {
    static func ok(_ tag: String) -> Handler { .inline { _ in .json(tag) } }

    var router: Router {
        var r = Router()
        r.add(.get, "/v2/health/live", Self.ok("live"))
        r.add(.get, "/v2/models/{name}", Self.ok("model"))
        r.add(.get, "/v2/models/{name}/versions/{version}", Self.ok("version"))
        r.add(.post, "/v2/models/{name}/versions/{version}/infer", Self.ok("infer"))
        r.add(.post, "/v2/models/{name}/infer", Self.ok("infer-latest"))
        r.add(.get, "/v2/models/{name}/ready", Self.ok("ready"))
        return r
    }

    private func tag(_ match: Router.Match) throws -> String {
        guard case .found(let route, _) = match, case .inline(let h) = route.handler else {
            Issue.record("no match: \(match)")
            return ""
        }
        let head = HTTPRequestHead(method: .get, target: "/", version: .http1_1, headers: ["Host": "x"])
        return String(decoding: try h(ServerRequest(head: head, path: "/")).body, as: UTF8.self)
    }

    @Test func staticRoute() throws {
        #expect(try tag(router.match(method: .get, path: "/v2/health/live")) == "live")
    }

    @Test func parametersAreCapturedAndDecoded() throws {
        let match = router.match(method: .post, path: "/v2/models/defect%20v2/versions/3/infer")
        guard case .found(_, let params) = match else { Issue.record("no match"); return }
        #expect(params == ["name": "defect v2", "version": "3"])
        #expect(try tag(match) == "infer")
    }

    @Test func literalSegmentsMustMatch() throws {
        #expect(try tag(router.match(method: .get, path: "/v2/models/m/ready")) == "ready")
        guard case .notFound = router.match(method: .get, path: "/v2/models/m/unknown") else {
            Issue.record("expected 404")
            return
        }
    }

    @Test func unknownPathIsNotFound() {
        guard case .notFound = router.match(method: .get, path: "/nope") else { Issue.record("expected notFound"); return }
        guard case .notFound = router.match(method: .get, path: "/v2/models//ready") else { Issue.record("empty parameter"); return }
    }

    @Test func wrongMethodListsAllowed() {
        guard case .methodNotAllowed(let allow) = router.match(method: .post, path: "/v2/health/live") else {
            Issue.record("expected 405")
            return
        }
        #expect(allow == [.get, .head])
        guard case .methodNotAllowed(let allow2) = router.match(method: .get, path: "/v2/models/m/versions/1/infer") else {
            Issue.record("expected 405")
            return
        }
        #expect(allow2 == [.post])
    }

    @Test func headFallsBackToGet() throws {
        #expect(try tag(router.match(method: .head, path: "/v2/models/m")) == "model")
    }
}
