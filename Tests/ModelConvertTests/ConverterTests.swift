import Foundation
import Testing
import TensorEngine
@testable import ModelConvert

/// ONNX import and the conversion passes, checked against onnxruntime's outputs on the
/// same inputs (fixtures made by Fixtures/make_fixtures.py).
@Suite struct ConverterTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    func path(_ name: String) -> String { Self.fixtures.appendingPathComponent(name).path }

    @Test func passesFoldFuseAndPruneWithoutChangingResults() throws {
        let (model, report) = try Converter.convert(onnx: path("mlp_bn.onnx"))
        // Gemm+BN+Relu → one Gemm; Identity removed; Constant folded; dead Neg removed.
        #expect(model.nodes.map(\.op) == ["Gemm", "Add"])
        #expect(model.nodes[0].attributes["fused_activation"] == .string("Relu"))
        #expect(report.nodesBefore == 6 && report.nodesAfter == 2)
        #expect(report.lines.contains { $0.contains("folded 1 BatchNormalization") })
        #expect(model.inputs == [ValueInfo(name: "x", dtype: .float32, shape: [-1, 3])])
        #expect(model.outputs == [ValueInfo(name: "y", dtype: .float32, shape: [-1, 4])])

        let x = try NPYFile.read(path: path("mlp_bn.input.x.npy"))
        let expected = try NPYFile.read(path: path("mlp_bn.expected.y.npy"))
        let y = try ExecutionPlan(model: model, batch: 5).run([x])[0]
        #expect(y.shape == expected.shape)
        let worst = zip(y.floats, expected.floats).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-5)
    }

    @Test func unsupportedOperatorNamesOpAndNode() {
        #expect {
            try Converter.convert(onnx: path("unsupported.onnx"))
        } throws: { error in
            let text = "\(error)"
            return text.contains("Det") && text.contains("determinant") && text.contains("MatMul")
        }
    }

    @Test func unreadableAndInvalidFiles() throws {
        #expect(throws: ConvertError.self) { try Converter.convert(onnx: "/nonexistent.onnx") }
        let junk = FileManager.default.temporaryDirectory.appendingPathComponent("junk-\(UUID().uuidString).onnx")
        try Data([0xFF, 0xFF, 0xFF, 0x01, 0x02]).write(to: junk)
        #expect(throws: ConvertError.self) { try Converter.convert(onnx: junk.path) }
    }
}
