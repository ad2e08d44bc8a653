import Workers
import Dispatch
import HTTPCore
import HTTPServer

/// Triton's model repository extension: `POST /v2/repository/index` lists every model and
/// version with its state; `.../models/{m}/load` and `/unload` change what is served when
/// the control mode is `explicit`. Loads verify whole files, so they run off the event
/// loop on the repository's own queue and answer when done.
enum RepositoryRoutes {
    static func register(in router: inout Router, manager: ModelManager) {
        router.add(.post, "/v2/repository/index", .inline { request in
            // The body is at most {"ready": true}: a larger one is not parsed into a tree on
            // the event loop. A body that is not JSON still lists everything.
            let body: JSONValue?
            do throws(JSONValue.TooManyValues) {
                body = try JSONValue.parse(request.body, maxValues: 64)
            } catch {
                return .error(.contentTooLarge, "repository index request holds more than \(error.limit) JSON values")
            }
            let readyOnly = body?.objectValue?["ready"]?.boolValue ?? false
            let rows = manager.index().filter { !readyOnly || $0.state == "READY" }
            return .json(JSONValue.array(rows.map(row)).jsonText)
        })
        router.add(.post, "/v2/repository/models/{model}/load", .deferred { request, writer in
            let name = request.parameters["model"] ?? ""
            guard manager.mode == .explicit else { return writer.respond(refused(manager)) }
            DispatchQueue.global().async {
                do throws(RepositoryError) {
                    try manager.load(name)
                    writer.respond(.json("{}"))
                } catch {
                    let missing = error.message.hasPrefix("no folder")
                    writer.respond(.error(missing ? .notFound : .badRequest, error.description))
                }
            }
        })
        router.add(.post, "/v2/repository/models/{model}/unload", .deferred { request, writer in
            let name = request.parameters["model"] ?? ""
            guard manager.mode == .explicit else { return writer.respond(refused(manager)) }
            DispatchQueue.global().async {
                do throws(RepositoryError) {
                    try manager.unload(name)
                    writer.respond(.json("{}"))
                } catch {
                    writer.respond(.error(.badRequest, error.description))
                }
            }
        })
    }

    static func refused(_ manager: ModelManager) -> HTTPResponse {
        .error(.badRequest, "model control mode is '\(manager.mode.rawValue)': models change by editing the repository; start with model_control_mode=explicit to load and unload through the API")
    }

    static func row(_ r: ModelManager.IndexRow) -> JSONValue {
        var o: [String: JSONValue] = ["name": .string(r.name), "state": .string(r.state), "reason": .string(r.reason)]
        if let v = r.version { o["version"] = .string(String(v)) }
        return .object(o)
    }
}
