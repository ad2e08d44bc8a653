import TensorEngine

/// ONNX → GraphModel with the conversion passes applied, checked by planning it once.
public enum Converter {
    /// What one conversion did, pass by pass.
    public struct Report: Sendable {
        public var lines: [String] = []
        public var nodesBefore = 0
        public var nodesAfter = 0
    }

    /// Passes in order: removals first so fusion sees producer → consumer directly; BN
    /// folding before activation fusion (Conv → BN → Relu becomes one Conv).
    static let passes: [ConversionPass] = [
        IdentityRemoval(), ConstantFolding(), BatchNormFolding(), ActivationFusion(), DeadNodeRemoval(),
    ]

    public static func convert(onnx path: String, name: String? = nil, extra: [String: String] = [:]) throws -> (GraphModel, Report) {
        var model = try ONNXImporter(path: path).load()
        if let name { model.metadata.name = name }
        model.metadata.extra.merge(extra) { $1 }
        var report = Report()
        report.nodesBefore = model.nodes.count
        for pass in passes {
            let summary = try pass.run(&model)
            report.lines.append("\(pass.name): \(summary)")
        }
        report.nodesAfter = model.nodes.count
        // Planning at batch 1 checks every shape and attribute now, with node names in errors.
        do {
            let plan = try ExecutionPlan(model: model, batch: 1)
            for (i, resolved) in plan.outputs.enumerated() where model.outputs[i].shape.isEmpty || model.outputs[i].shape.contains(-1) {
                var dims = resolved.shape
                if model.inputs.contains(where: { $0.hasDynamicBatch }), !dims.isEmpty { dims[0] = -1 }
                model.outputs[i] = ValueInfo(name: resolved.name, dtype: resolved.dtype, shape: dims)
            }
        } catch {
            throw ConvertError("the converted graph does not plan: \(error)")
        }
        return (model, report)
    }
}
