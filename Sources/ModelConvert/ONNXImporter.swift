import Foundation
import SwiftProtobuf
import TensorEngine

/// Reads an ONNX model (protobuf, opsets 13–21 of the default domain) into a `GraphModel`:
/// initializers and Constant nodes become tensors, graph inputs keep a dynamic batch
/// dimension, node attributes become typed `AttributeValue`s.
public struct ONNXImporter {
    /// Opset range whose operator semantics the engine implements.
    public static let supportedOpsets = 13...21

    let path: String
    let directory: URL

    public init(path: String) {
        self.path = path
        directory = URL(fileURLWithPath: path).deletingLastPathComponent()
    }

    public func load() throws -> GraphModel {
        guard let data = FileManager.default.contents(atPath: path) else { throw ConvertError("cannot read \(path)") }
        let proto: Onnx_ModelProto
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 64
            proto = try Onnx_ModelProto(serializedBytes: data, options: options)
        } catch {
            throw ConvertError("\(path) is not a valid ONNX model: \(error)")
        }
        let opset = proto.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }?.version ?? 0
        guard ONNXImporter.supportedOpsets.contains(Int(opset)) else {
            throw ConvertError("ONNX opset \(opset) is not supported; supported: \(ONNXImporter.supportedOpsets.lowerBound)–\(ONNXImporter.supportedOpsets.upperBound) (re-export, or convert with onnx.version_converter)")
        }
        let graph = proto.graph
        var initializers: [String: Tensor] = [:]
        for t in graph.initializer { initializers[t.name] = try tensor(t) }
        var nodes: [GraphNode] = []
        for (index, node) in graph.node.enumerated() {
            guard node.domain.isEmpty || node.domain == "ai.onnx" else {
                throw ConvertError("node '\(node.name)' uses operator \(node.domain).\(node.opType) from a custom domain; only standard ONNX operators are supported")
            }
            let name = node.name.isEmpty ? "\(node.opType)_\(index)" : node.name
            if node.opType == "Constant" {
                guard let output = node.output.first else { continue }
                initializers[output] = try constantValue(node, name: name)
                continue
            }
            guard OpType(rawValue: node.opType) != nil else {
                throw ConvertError("unsupported operator \(node.opType) in node '\(name)'; supported: \(OpType.supportedList)")
            }
            var attributes: [String: AttributeValue] = [:]
            for a in node.attribute { attributes[a.name] = try attribute(a, node: name) }
            nodes.append(GraphNode(name: name, op: node.opType, inputs: node.input, outputs: node.output, attributes: attributes))
        }
        let inputs = try graph.input.filter { initializers[$0.name] == nil }.map { try valueInfo($0, isInput: true) }
        let outputs = try graph.output.map { try valueInfo($0, isInput: false) }
        let producer = proto.producerName.isEmpty ? "unknown" : "\(proto.producerName) \(proto.producerVersion)"
        let metadata = ModelMetadata(
            name: graph.name.isEmpty ? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent : graph.name,
            version: proto.modelVersion > 0 ? String(proto.modelVersion) : "1",
            extra: ["producer": producer, "onnx_opset": String(opset)])
        return GraphModel(metadata: metadata, inputs: inputs, outputs: outputs, nodes: nodes, initializers: initializers)
    }

    /// A graph input or output. A symbolic or unknown first dimension is the dynamic batch;
    /// other dimensions must be fixed for inputs (outputs are re-derived by the engine).
    private func valueInfo(_ v: Onnx_ValueInfoProto, isInput: Bool) throws -> ValueInfo {
        guard case .tensorType(let t)? = v.type.value else { throw ConvertError("graph value '\(v.name)' is not a tensor") }
        guard let dtype = DType(rawValue: t.elemType) else {
            throw ConvertError("graph value '\(v.name)' has unsupported element type \(t.elemType)")
        }
        var dims: [Int] = []
        for (i, d) in t.shape.dim.enumerated() {
            if case .dimValue(let n)? = d.value, n >= 0 {
                dims.append(Int(n))
            } else if i == 0 || !isInput {
                dims.append(-1)
            } else {
                throw ConvertError("input '\(v.name)': dimension \(i) is dynamic; only the batch dimension (0) may be")
            }
        }
        return ValueInfo(name: v.name, dtype: dtype, shape: dims)
    }

    private func attribute(_ a: Onnx_AttributeProto, node: String) throws -> AttributeValue {
        switch a.type {
        case .int: return .int(Int(a.i))
        case .float: return .float(a.f)
        case .string: return .string(String(decoding: a.s, as: UTF8.self))
        case .ints: return .ints(a.ints.map { Int($0) })
        case .floats: return .floats(a.floats)
        case .strings: return .strings(a.strings.map { String(decoding: $0, as: UTF8.self) })
        default: throw ConvertError("node '\(node)': attribute '\(a.name)' of type \(a.type) is not supported")
        }
    }

    /// Constant: `value` (a tensor) or one of the scalar/list forms.
    private func constantValue(_ node: Onnx_NodeProto, name: String) throws -> Tensor {
        for a in node.attribute {
            switch a.name {
            case "value": return try tensor(a.t)
            case "value_float": return Tensor(shape: [], floats: [a.f])
            case "value_floats": return Tensor(shape: [a.floats.count], floats: a.floats)
            case "value_int": return Tensor(shape: [], int64s: [a.i])
            case "value_ints": return Tensor(shape: [a.ints.count], int64s: a.ints)
            default: continue
            }
        }
        throw ConvertError("Constant node '\(name)' has no supported value attribute")
    }
}
