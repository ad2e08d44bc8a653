/// Why a model or one of its versions could not be loaded; logged, shown in the
/// repository index as the version's `reason`, and returned by the load API.
public struct RepositoryError: Error, Sendable, CustomStringConvertible, Equatable {
    public var model: String
    public var message: String

    public init(model: String, _ message: String) {
        self.model = model
        self.message = message
    }

    public var description: String { "model '\(model)': \(message)" }
}
