/// Builds an `ExecutionPlan`: walks the nodes in order, infers shapes, evaluates nodes whose
/// inputs are all known at plan time, gives every other value a buffer with a lifetime, and
/// packs the buffers into one arena (first fit by size, reusing memory whose value is dead).
struct PlanBuilder {
    /// Where a value lives, before arena offsets are known.
    enum Location {
        case constant(Tensor)
        case input(Int)
        case buffer(Int)
    }

    /// An arena region and the steps during which it must hold its value.
    struct Buffer {
        var bytes: Int
        var first: Int
        var last: Int
        var offset = 0
    }

    /// A planned step before buffer placement.
    struct PendingStep {
        var plan: OpPlan
        var inputs: [Location?]
        var outputs: [Location]
        var workspace: Int?
        var op: String
        var summary: String
    }

    let model: GraphModel
    let batch: Int
    let threads: Int
    var values: [String: PlanValue] = [:]
    var locations: [String: Location] = [:]
    var buffers: [Buffer] = []
    var pending: [PendingStep] = []
    var resolvedInputs: [ValueInfo] = []
    var resolvedOutputs: [ValueInfo] = []
    var arenaBytes = 0
    var stepBodies: [StepBody] = []
    var stepChecks: [StepCheck?] = []
    var stepOps: [String] = []
    var stepSummaries: [String] = []
    var outputRefs: [BufferRef] = []
    var retained: [Tensor] = []
    var flops = 0

    /// Prepared weights shared with the model's plans at other batch sizes.
    let prepared: PreparedWeights

    init(model: GraphModel, batch: Int, threads: Int, prepared: PreparedWeights = PreparedWeights()) {
        self.prepared = prepared
        self.model = model
        self.batch = batch
        self.threads = threads
    }

    mutating func build() throws(EngineError) {
        for (name, tensor) in model.initializers {
            values[name] = PlanValue(shape: tensor.shape, dtype: tensor.dtype, constant: tensor)
            locations[name] = .constant(tensor)
        }
        for (i, spec) in model.inputs.enumerated() {
            var dims = spec.shape
            if dims.first == -1 { dims[0] = batch }
            guard dims.allSatisfy({ $0 >= 0 }) else {
                throw EngineError(.invalidGraph, "input '\(spec.name)': only the first dimension may be dynamic, got \(Shape(spec.shape))")
            }
            resolvedInputs.append(ValueInfo(name: spec.name, dtype: spec.dtype, shape: dims))
            values[spec.name] = PlanValue(shape: Shape(dims), dtype: spec.dtype, constant: nil)
            locations[spec.name] = .input(i)
        }
        let readers = readerCounts()
        var i = 0
        while i < model.nodes.count {
            if i + 1 < model.nodes.count, try planExpandDepthwise(model.nodes[i], model.nodes[i + 1], readers: readers) {
                i += 2
            } else {
                try plan(model.nodes[i])
                i += 1
            }
        }
        try resolveOutputs()
        placeBuffers()
        emitSteps()
    }

    private mutating func plan(_ node: GraphNode) throws(EngineError) {
        guard let op = OpType(rawValue: node.op) else {
            throw .node(node, .unsupportedOperator, "unsupported operator; supported: \(OpType.supportedList)")
        }
        var inputs: [PlanValue?] = []
        for name in node.inputs {
            if name.isEmpty {
                inputs.append(nil)
                continue
            }
            guard let v = values[name] else { throw .node(node, .invalidGraph, "input '\(name)' is not produced before this node") }
            inputs.append(v)
        }
        let context = OpContext(node: node, inputs: inputs, threads: threads, prepared: prepared)
        let opPlan = try OpPlanner.plan(op, context)
        guard opPlan.outputs.count <= node.outputs.count || node.outputs.count >= 1 else {
            throw .node(node, .invalidGraph, "node declares \(node.outputs.count) outputs")
        }
        for (shape, dtype) in opPlan.outputs {
            guard let count = shape.checkedCount, case (let bytes, false) = count.multipliedReportingOverflow(by: dtype.size),
                bytes <= Self.maxValueBytes
            else {
                throw .node(node, .shapeMismatch, "output shape \(shape) is invalid or too large (over \(Self.maxValueBytes) bytes of \(dtype))")
            }
        }
        let inputLocations: [Location?] = node.inputs.map { $0.isEmpty ? nil : locations[$0] }
        let allConstant = inputs.allSatisfy { $0 == nil || $0!.constant != nil }
        if allConstant || opPlan.dataIndependent {
            try evaluateNow(node, opPlan, inputs: inputLocations)
        } else {
            schedule(node, opPlan, inputs: inputLocations)
        }
    }

    /// Runs a node whose inputs are all known, making its outputs plan-time constants.
    private mutating func evaluateNow(_ node: GraphNode, _ opPlan: OpPlan, inputs: [Location?]) throws(EngineError) {
        var outputs: [Tensor] = []
        for (i, (shape, dtype)) in opPlan.outputs.enumerated() {
            if let a = opPlan.aliasOf, i == 0, case .constant(let source)? = inputs[a] {
                outputs.append(Tensor(shape: shape, dtype: dtype, storage: source.storage))
            } else {
                outputs.append(Tensor(shape: shape, dtype: dtype))
            }
        }
        if opPlan.aliasOf == nil {
            if let check = opPlan.check {
                let refs = inputs.map { loc -> BufferRef? in
                    if case .constant(let t)? = loc { return .constant(t.rawPointer) }
                    return nil
                }
                if let problem = check(refs)(RunContext(arena: UnsafeMutableRawPointer(bitPattern: 64)!, inputs: [])) {
                    throw EngineError(.invalidGraph, problem)
                }
            }
            let scratch = UnsafeMutableRawPointer.allocate(byteCount: max(opPlan.workspaceBytes, 64), alignment: 64)
            defer { scratch.deallocate() }
            let refs = inputs.map { loc -> BufferRef? in
                if case .constant(let t)? = loc { return .constant(t.rawPointer) }
                return nil
            }
            let body = opPlan.make(refs, outputs.map { .constant($0.rawPointer) }, .constant(scratch))
            body(RunContext(arena: scratch, inputs: []))
        }
        for (name, tensor) in zip(node.outputs, outputs) where !name.isEmpty {
            values[name] = PlanValue(shape: tensor.shape, dtype: tensor.dtype, constant: tensor)
            locations[name] = .constant(tensor)
        }
    }

    mutating func schedule(_ node: GraphNode, _ opPlan: OpPlan, inputs: [Location?], label: String? = nil) {
        if let a = opPlan.aliasOf, opPlan.outputs.count == 1, let source = inputs[a], let name = node.outputs.first {
            // A view: same bytes, new shape, no step at all.
            values[name] = PlanValue(shape: opPlan.outputs[0].shape, dtype: opPlan.outputs[0].dtype, constant: nil)
            locations[name] = source
            return
        }
        let step = pending.count
        for case .buffer(let id)? in inputs { buffers[id].last = max(buffers[id].last, step) }
        var outputs: [Location] = []
        for (i, (shape, dtype)) in opPlan.outputs.enumerated() {
            let location: Location
            if let a = opPlan.aliasOf, i == 0, let source = inputs[a] {
                location = source
            } else {
                buffers.append(Buffer(bytes: PlanBuilder.rounded(shape.count * dtype.size), first: step, last: step))
                location = .buffer(buffers.count - 1)
            }
            outputs.append(location)
            if i < node.outputs.count, !node.outputs[i].isEmpty {
                values[node.outputs[i]] = PlanValue(shape: shape, dtype: dtype, constant: nil)
                locations[node.outputs[i]] = location
            }
        }
        var workspace: Int?
        if opPlan.workspaceBytes > 0 {
            buffers.append(Buffer(bytes: PlanBuilder.rounded(opPlan.workspaceBytes), first: step, last: step))
            workspace = buffers.count - 1
        }
        let stepFlops = opPlan.flops > 0 ? opPlan.flops : opPlan.outputs.reduce(0) { $0 + $1.shape.count }
        flops = flops.addingReportingOverflow(stepFlops).overflow ? .max : flops + stepFlops
        let produced = opPlan.outputs.first.map { " → \($0.shape)" } ?? ""
        let op = label ?? node.op
        let summary = "\(op)\(produced), \(opPlan.flops / max(batch, 1) / 1000) kFLOP/sample"
        pending.append(PendingStep(plan: opPlan, inputs: inputs, outputs: outputs, workspace: workspace, op: op, summary: summary))
    }

    private mutating func resolveOutputs() throws(EngineError) {
        for spec in model.outputs {
            guard let v = values[spec.name], let location = locations[spec.name] else {
                throw EngineError(.invalidGraph, "graph output '\(spec.name)' is never produced")
            }
            resolvedOutputs.append(ValueInfo(name: spec.name, dtype: v.dtype, shape: v.shape.dims))
            if case .buffer(let id) = location { buffers[id].last = pending.count }
        }
    }

    static func rounded(_ bytes: Int) -> Int { (bytes + 63) & ~63 }

    /// Largest value a plan holds (1 TiB). Shapes come from the model file; with every value
    /// under this, the arena's sums of sizes and offsets (at most 65,536 nodes' outputs) stay
    /// far from overflowing.
    static let maxValueBytes = 1 << 40

    /// Largest buffers first, each at the lowest offset free for its whole lifetime.
    private mutating func placeBuffers() {
        var placed: [Int] = []
        for id in buffers.indices.sorted(by: { buffers[$0].bytes > buffers[$1].bytes }) {
            let b = buffers[id]
            let overlapping = placed.filter { buffers[$0].first <= b.last && b.first <= buffers[$0].last }
                .map { (buffers[$0].offset, buffers[$0].offset + buffers[$0].bytes) }
                .sorted { $0.0 < $1.0 }
            var offset = 0
            for (start, end) in overlapping {
                if offset + b.bytes <= start { break }
                offset = max(offset, end)
            }
            buffers[id].offset = offset
            arenaBytes = max(arenaBytes, offset + b.bytes)
            placed.append(id)
        }
    }

    private func ref(_ location: Location) -> BufferRef {
        switch location {
        case .constant(let t): .constant(t.rawPointer)
        case .input(let i): .input(i)
        case .buffer(let id): .arena(buffers[id].offset)
        }
    }

    private mutating func emitSteps() {
        for step in pending {
            let inputs = step.inputs.map { $0.map(ref) }
            let body = step.plan.make(inputs, step.outputs.map(ref), step.workspace.map { .arena(buffers[$0].offset) })
            stepBodies.append(body)
            stepChecks.append(step.plan.check.map { $0(inputs) })
            stepOps.append(step.op)
            stepSummaries.append(step.summary)
        }
        outputRefs = model.outputs.map { ref(locations[$0.name]!) }
        for case .constant(let t) in locations.values { retained.append(t) }
    }
}
