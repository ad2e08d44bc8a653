import Foundation
import Testing
import TensorEngine
@testable import ModelConvert

#if canImport(Glibc)
import Glibc
#endif

/// An initializer's dims are a claim: the importer allocates only once the bytes that fill
/// the tensor are known to exist (in the file, or in its external-data file).
@Suite struct ONNXTensorSizeTests {
    let directory: URL = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-onnx-sizes-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }()

    func importer() -> ONNXImporter { ONNXImporter(path: directory.appendingPathComponent("model.onnx").path) }

    func tensor(dims: [Int64], type: DType = .float32, raw: [UInt8] = []) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = "w"
        t.dims = dims
        t.dataType = type.rawValue
        t.rawData = Data(raw)
        return t
    }

    /// Peak resident memory in bytes (Linux reports KiB).
    func peakRSS() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }

    /// 1 GiB of FP32 claimed, 4 bytes present: refused without touching a gigabyte.
    @Test func claimedSizeIsNotAllocatedBeforeTheDataIsChecked() {
        let before = peakRSS()
        #expect(throws: ConvertError.self) { try importer().tensor(tensor(dims: [1 << 28], raw: [0, 0, 128, 63])) }
        #expect(throws: ConvertError.self) { try importer().tensor(tensor(dims: [1 << 28])) }  // no values at all
        let grown = peakRSS() - before
        #expect(grown < 512 << 20, "peak RSS grew by \(grown >> 20) MiB")
    }

    /// The largest count the importer accepts (2^31 − 1 INT64, 16 GiB) and dims whose product
    /// overflows are both refused from a file of a few bytes.
    @Test func extremeDimsAreRefused() {
        #expect(throws: ConvertError.self) { try importer().tensor(tensor(dims: [0x7FFF_FFFF], type: .int64, raw: [1])) }
        #expect(throws: ConvertError.self) { try importer().tensor(tensor(dims: [1 << 40, 1 << 40], raw: [1])) }
        #expect(throws: ConvertError.self) { try importer().tensor(tensor(dims: [-1], raw: [1])) }
    }

    /// External data: offset + length must lie inside the data file, overflow-checked.
    @Test(arguments: ["8", "9223372036854775800", "-1"])
    func externalDataPastTheFileIsRefused(offset: String) throws {
        try Data(repeating: 1, count: 16).write(to: directory.appendingPathComponent("weights.bin"))
        var t = tensor(dims: [4])
        t.dataLocation = .external
        for (key, value) in [("location", "weights.bin"), ("offset", offset), ("length", "16")] {
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = value
            t.externalData.append(entry)
        }
        #expect(throws: ConvertError.self) { try importer().tensor(t) }
        t.externalData[1].value = "0"
        #expect(try importer().tensor(t).count == 4)
    }
}
