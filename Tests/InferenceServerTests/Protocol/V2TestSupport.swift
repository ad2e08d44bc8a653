import TensorEngine
@testable import InferenceServer

/// Shared helpers for the protocol codec tests.
enum V2TestSupport {
    static func decode(_ json: String, limits: V2Limits = .init()) throws(V2Error) -> V2InferRequest {
        try V2RequestDecoder.decode(Array(json.utf8), inferenceHeaderLength: nil, limits: limits)
    }

    /// The error `body` raises, or nil if it decodes.
    static func error(_ json: String, limits: V2Limits = .init()) -> V2Error? {
        do {
            _ = try decode(json, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    /// A one-input request over `data` (JSON text).
    static func request(_ datatype: String, _ shape: [Int], _ data: String) -> String {
        #"{"inputs":[{"name":"x","datatype":"\#(datatype)","shape":\#(shape),"data":\#(data)}]}"#
    }

    static func bits(_ t: Tensor) -> [UInt32] { t.floats.map(\.bitPattern) }

    static func bytes(_ t: Tensor) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: t.rawPointer, count: t.byteCount))
    }
}
