import HTTPCore
import HTTPServer
import TensorEngine

/// Between the V2 codec and a model: checks a decoded request against the model's inputs
/// (names, datatypes, shapes, batch size) and orders them as the plan wants; shapes the
/// answer with the outputs asked for, in JSON or binary as asked.
enum InferRequestMapper {
    /// A request ready for the batcher.
    struct Decoded: Sendable {
        var id: String?
        var inputs: [Tensor]
        var rows: Int
        var priority: Int
        var timeoutMicroseconds: Int?
        /// Output indices (plan order) to return, each with whether it goes binary.
        var outputs: [(index: Int, binary: Bool)]
    }

    static func decode(_ request: ServerRequest, for served: ServedVersion) throws(InferError) -> Decoded {
        let model = served.name
        var headerLength: Int?
        if let text = request.headers["Inference-Header-Content-Length"] {
            guard let n = Int(text.trimmingCharacters(in: [" ", "\t"])), n >= 0, n <= request.body.count else {
                throw InferError(.badInput, "Inference-Header-Content-Length '\(text)' is not a length within the \(request.body.count)-byte body")
            }
            headerLength = n
        }
        // The raw binary form (header length 0) carries one input: the model's only one.
        var raw: (name: String, datatype: V2DataType, shape: [Int])?
        if headerLength == 0 {
            guard served.inputs.count == 1, let first = served.inputs.first else {
                throw InferError(.badInput, "model '\(model)': a raw binary body needs a model with exactly one input")
            }
            let unit = served.unitPlan.inputs[0].shape
            let rowBytes = unit.reduce(1, *) * first.dtype.size
            guard rowBytes > 0, request.body.count % rowBytes == 0, request.body.count > 0 else {
                throw InferError(.badInput, "model '\(model)': raw body of \(request.body.count) bytes is not a whole number of \(rowBytes)-byte rows of input '\(first.name)'")
            }
            var shape = unit
            if served.batchable { shape[0] = request.body.count / rowBytes }
            raw = (first.name, V2DataType(first.dtype), shape)
        }
        let v2: V2InferRequest
        do throws(V2Error) {
            v2 = try V2RequestDecoder.decode(request.body, inferenceHeaderLength: headerLength, rawInput: raw)
        } catch {
            throw InferError(error.kind == .unsupportedDatatype ? .unsupported : .badInput, "model '\(model)': \(error.message)")
        }
        // Inputs: every model input exactly once, nothing else.
        var byName: [String: V2InferInput] = [:]
        for input in v2.inputs {
            guard byName[input.name] == nil else { throw InferError(.badInput, "model '\(model)': input '\(input.name)' given twice") }
            guard served.inputs.contains(where: { $0.name == input.name }) else {
                throw InferError(.badInput, "model '\(model)': unknown input '\(input.name)'; expected \(served.inputs.map(\.name))")
            }
            byName[input.name] = input
        }
        var tensors: [Tensor] = []
        var rows: Int?
        for (spec, unit) in zip(served.inputs, served.unitPlan.inputs) {
            guard let input = byName[spec.name] else { throw InferError(.badInput, "model '\(model)': missing input '\(spec.name)'") }
            guard input.datatype.dtype == spec.dtype else {
                throw InferError(.badInput, "model '\(model)': input '\(spec.name)' must be \(spec.dtype.name), got \(input.datatype.rawValue)")
            }
            let r = try checkShape(input.shape, spec: spec, unit: unit.shape, served: served)
            if let rows, rows != r {
                throw InferError(.badInput, "model '\(model)': inputs disagree on the batch size (\(rows) and \(r))")
            }
            rows = r
            tensors.append(input.tensor)
        }
        return Decoded(
            id: v2.id, inputs: tensors, rows: rows ?? 1, priority: max(0, v2.priority ?? 0),
            timeoutMicroseconds: v2.timeoutMicroseconds ?? (served.config.defaultTimeoutMicroseconds > 0 ? served.config.defaultTimeoutMicroseconds : nil),
            outputs: try requestedOutputs(v2, served: served))
    }

    /// The batch size (rows) an input's shape carries, after checking every other dimension.
    static func checkShape(_ shape: [Int], spec: ValueInfo, unit: [Int], served: ServedVersion) throws(InferError) -> Int {
        let model = served.name
        let expected = served.batchable ? "[n" + unit.dropFirst().map { ",\($0)" }.joined() + "] with n ≤ \(served.scheduler.maxRows)" : "\(unit)"
        guard shape.count == unit.count, shape.dropFirst() == unit.dropFirst() else {
            throw InferError(.badInput, "model '\(model)': input '\(spec.name)' has shape \(shape), expected \(expected)")
        }
        guard served.batchable else {
            guard shape == unit else { throw InferError(.badInput, "model '\(model)': input '\(spec.name)' has shape \(shape), expected \(expected)") }
            return 1
        }
        let n = shape.first ?? 1
        guard n >= 1 else { throw InferError(.badInput, "model '\(model)': input '\(spec.name)' has an empty batch") }
        guard n <= served.scheduler.maxRows else {
            throw InferError(.badInput, "model '\(model)': batch of \(n) exceeds max_batch_size \(served.scheduler.maxRows)")
        }
        return n
    }

    /// Which outputs to return and how: each requested output's own `binary_data`, else
    /// the request's `binary_data_output`, else JSON (Triton's rules).
    static func requestedOutputs(_ v2: V2InferRequest, served: ServedVersion) throws(InferError) -> [(index: Int, binary: Bool)] {
        guard let wanted = v2.outputs, !wanted.isEmpty else {
            return served.outputs.indices.map { ($0, v2.binaryDataOutput) }
        }
        var result: [(index: Int, binary: Bool)] = []
        for output in wanted {
            guard let i = served.outputs.firstIndex(where: { $0.name == output.name }) else {
                throw InferError(.badInput, "model '\(served.name)': unknown output '\(output.name)'; available \(served.outputs.map(\.name))")
            }
            result.append((i, output.binaryData ?? v2.binaryDataOutput))
        }
        return result
    }

    /// The V2 response for one job's outputs.
    static func response(_ decoded: Decoded, outputs: [Tensor], served: ServedVersion) -> HTTPResponse {
        let tensors = decoded.outputs.map { index, binary in
            let t = outputs[index]
            return V2OutputTensor(name: served.outputs[index].name, tensor: t, binary: binary)
        }
        let (body, headerLength) = V2ResponseEncoder.encode(
            modelName: served.name, modelVersion: String(served.version), id: decoded.id, outputs: tensors)
        var response = HTTPResponse(status: .ok, body: body)
        if let headerLength {
            response.headers.add(name: "Content-Type", value: "application/octet-stream")
            response.headers.add(name: "Inference-Header-Content-Length", value: String(headerLength))
        } else {
            response.headers.add(name: "Content-Type", value: "application/json")
        }
        return response
    }
}
