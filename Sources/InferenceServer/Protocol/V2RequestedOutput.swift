/// One `$request_output`: an output the client wants, and whether as binary.
public struct V2RequestedOutput: Sendable, Equatable {
    public var name: String
    /// The output's `binary_data` parameter (binary tensor data extension); nil when absent.
    public var binaryData: Bool?
    public var parameters: [String: V2Parameter]

    public init(name: String, binaryData: Bool? = nil, parameters: [String: V2Parameter] = [:]) {
        self.name = name
        self.binaryData = binaryData
        self.parameters = parameters
    }
}
