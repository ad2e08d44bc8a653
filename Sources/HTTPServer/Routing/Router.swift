import HTTPCore

/// Maps method + path to a route. Static paths are one dictionary lookup; patterns with
/// `{parameters}` are tried in registration order. A path that exists under another
/// method yields 405 with `Allow` (RFC 9110 §15.5.6); HEAD falls back to GET (§9.3.2).
public struct Router: Sendable {
    /// The outcome of a lookup.
    public enum Match {
        case found(Route, parameters: [String: String])
        case methodNotAllowed(allow: [HTTPMethod])
        case notFound
    }

    private var staticRoutes: [String: [Route]] = [:]
    private var patternRoutes: [Route] = []

    public init() {}

    public mutating func add(_ route: Route) {
        if route.isStatic {
            staticRoutes[route.pattern, default: []].append(route)
        } else {
            patternRoutes.append(route)
        }
    }

    public mutating func add(_ method: HTTPMethod, _ pattern: String, _ handler: Handler) {
        add(Route(method, pattern, handler))
    }

    public func match(method: HTTPMethod, path: String) -> Match {
        if let routes = staticRoutes[path] {
            return pick(routes, method: method, parameters: [:])
        }
        let parts = Route.split(path)
        var candidates: [Route] = []
        var captured: [String: String] = [:]
        for route in patternRoutes where route.segments.count == parts.count {
            var params: [String: String] = [:]
            var ok = true
            for (segment, part) in zip(route.segments, parts) {
                switch segment {
                case .literal(let text): ok = text == part
                case .parameter(let name):
                    ok = !part.isEmpty
                    params[name] = PercentDecoding.decode(part)
                }
                if !ok { break }
            }
            if ok {
                if candidates.isEmpty || route.segments == candidates[0].segments {
                    candidates.append(route)
                    captured = captured.isEmpty ? params : captured
                }
            }
        }
        if candidates.isEmpty { return .notFound }
        return pick(candidates, method: method, parameters: captured)
    }

    private func pick(_ routes: [Route], method: HTTPMethod, parameters: [String: String]) -> Match {
        if let route = routes.first(where: { $0.method == method }) { return .found(route, parameters: parameters) }
        if method == .head, let route = routes.first(where: { $0.method == .get }) {
            return .found(route, parameters: parameters)
        }
        var allow = routes.map(\.method)
        if allow.contains(.get) && !allow.contains(.head) { allow.append(.head) }
        return .methodNotAllowed(allow: allow)
    }
}
