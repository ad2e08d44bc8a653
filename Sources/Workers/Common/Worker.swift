import TensorEngine

/// An industry service's pre- and post-processing around one model: it turns an HTTP body
/// into the model's input tensors and the model's outputs into the service's JSON answer.
/// Built once per loaded model version from its `config.json` parameters (a mismatch
/// between parameters and model refuses the version at load, never a request later).
/// Workers never run the model: the server's batcher does, between `prepare` and `finish`.
public protocol Worker: Sendable {
    /// `prepare` turns a request into tensors; it runs on a compute thread (small records of
    /// `WorkerFactory.recordKinds`: on the event loop, so it must stay cheap for them).
    func prepare(_ request: WorkerRequest) throws(WorkerError) -> PreparedRequest
    /// `finish` shapes the model's outputs (this request's rows only) into the answer.
    func finish(_ prepared: PreparedRequest, outputs: [Tensor]) throws(WorkerError) -> [UInt8]
}

/// What a worker sees of an HTTP request.
public struct WorkerRequest: Sendable {
    public var body: [UInt8]
    public var contentType: String?
    public var query: [String: String]

    public init(body: [UInt8], contentType: String?, query: [String: String] = [:]) {
        self.body = body
        self.contentType = contentType
        self.query = query
    }
}

/// Input tensors in the model's input order, the rows they carry, and whatever the worker
/// needs back in `finish` (record ids, filters, feature values for explanations).
public struct PreparedRequest: Sendable {
    public var inputs: [Tensor]
    public var rows: Int
    public var context: any Sendable

    public init(inputs: [Tensor], rows: Int, context: any Sendable = ()) {
        self.inputs = inputs
        self.rows = rows
        self.context = context
    }
}

/// What a worker is built from: the model's declared inputs and outputs, the most rows
/// one request may carry, the model's folder (for side files such as a catalogue) and the
/// free `parameters` of its config.json.
public struct WorkerModel: Sendable {
    public var name: String
    public var version: Int
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]
    public var maxRows: Int
    public var folder: String
    public var parameters: [String: JSONValue]

    public init(name: String, version: Int, inputs: [ValueInfo], outputs: [ValueInfo], maxRows: Int, folder: String, parameters: [String: JSONValue]) {
        self.name = name
        self.version = version
        self.inputs = inputs
        self.outputs = outputs
        self.maxRows = maxRows
        self.folder = folder
        self.parameters = parameters
    }

    /// The index of a declared input or output, or a configuration error naming it.
    public func input(_ name: String, _ dtype: DType) throws(WorkerError) -> Int {
        guard let i = inputs.firstIndex(where: { $0.name == name }) else {
            throw .config("model has no input '\(name)' (inputs: \(inputs.map(\.name)))")
        }
        guard inputs[i].dtype == dtype else { throw .config("input '\(name)' is \(inputs[i].dtype), expected \(dtype)") }
        return i
    }

    public func output(_ name: String) throws(WorkerError) -> Int {
        guard let i = outputs.firstIndex(where: { $0.name == name }) else {
            throw .config("model has no output '\(name)' (outputs: \(outputs.map(\.name)))")
        }
        return i
    }
}

/// A request the worker refuses (with its HTTP status), or a configuration it cannot use.
public enum WorkerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The client's fault: status 400, 413 or 415, and a message naming the field.
    case request(status: Int, String)
    /// config.json and the model disagree: the version is refused at load.
    case config(String)

    public static func bad(_ message: String) -> WorkerError { .request(status: 400, message) }

    public var description: String {
        switch self {
        case .request(_, let m): m
        case .config(let m): m
        }
    }

    public var status: Int {
        switch self {
        case .request(let s, _): s
        case .config: 500
        }
    }
}
