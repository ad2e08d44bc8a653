import Foundation
import TensorEngine

/// `NPYFile.decode` (what `kiln infer --input` reads): a decoded tensor must hold exactly the
/// data bytes after the header and survive an encode/decode round trip.
enum NPYHarness {
    static func run(_ data: [UInt8]) {
        guard let tensor = try? NPYFile.decode(data) else { return }
        precondition(tensor.byteCount <= data.count, "a \(data.count)-byte file became a \(tensor.byteCount)-byte tensor")
        guard tensor.dtype != .float16 else { return }
        let again = try? NPYFile.decode(NPYFile.encode(tensor))
        precondition(again?.shape == tensor.shape && again?.dtype == tensor.dtype, "the .npy round trip changed the tensor's type")
        if let again, tensor.byteCount > 0 {
            precondition(memcmp(again.rawPointer, tensor.rawPointer, tensor.byteCount) == 0, "the .npy round trip changed the data")
        }
    }
}
