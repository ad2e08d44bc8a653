/// Which way an ONNX recurrent operator (LSTM, GRU) walks the sequence: the `direction`
/// attribute. Bidirectional runs both and stacks them on the `num_directions` axis,
/// forward first.
public enum RecurrentDirection: String, Sendable, CaseIterable {
    case forward
    case reverse
    case bidirectional

    /// The ONNX attribute spelling (`"forward"`, `"reverse"`, `"bidirectional"`).
    public init?(onnx value: String) { self.init(rawValue: value) }

    /// `num_directions`: the leading dimension of W, R, B, initial states and outputs.
    public var count: Int { self == .bidirectional ? 2 : 1 }

    /// Whether direction slot `d` (0..<count) walks from the last time step to the first.
    /// Slot 1 of a bidirectional operator is the reverse pass.
    public func isReversed(slot d: Int) -> Bool { self == .reverse || d == 1 }
}
