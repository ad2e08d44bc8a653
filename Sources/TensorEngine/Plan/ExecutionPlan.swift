/// A model compiled for one batch size: every shape inferred, every kernel chosen and every
/// intermediate buffer placed in one arena, all at load time. Running it only calls kernels.
/// A plan is immutable and may be run from several threads at once; each run borrows an
/// arena from a pool (its own, or one shared with the model's other batch sizes), so
/// steady-state inference allocates nothing but its outputs.
public final class ExecutionPlan: @unchecked Sendable {
    public let batch: Int
    public let threads: Int
    /// Graph inputs and outputs with the batch dimension resolved.
    public let inputs: [ValueInfo]
    public let outputs: [ValueInfo]
    /// Bytes of intermediate memory one run needs (the planned peak).
    public let arenaBytes: Int
    /// Operator of each step, in execution order (constant-folded nodes excluded).
    public let stepOps: [String]
    /// Each step's operator, first output shape and FLOPs per sample (for `kiln bench --profile`).
    public let stepSummaries: [String]
    /// Floating-point operations of one run at this batch size.
    public let flops: Int
    let steps: [StepBody]
    let checks: [StepCheck?]
    let outputRefs: [BufferRef]
    /// Plan-time tensors whose storage the steps point into.
    let retained: [Tensor]
    /// Where runs borrow their arena.
    public let arenaPool: ArenaPool

    /// `arenaPool`: share one between plans of the same model at several batch sizes (and
    /// `reserve` the largest plan's `arenaBytes` in it); nil gives the plan a pool of its own.
    /// `prepared`: likewise shared, so those plans pack each layer's weights once.
    public init(
        model: GraphModel, batch: Int, threads: Int = 1, arenaPool: ArenaPool? = nil, prepared: PreparedWeights? = nil
    ) throws(EngineError) {
        guard batch >= 1 else { throw EngineError(.invalidInput, "batch must be at least 1, got \(batch)") }
        self.batch = batch
        self.threads = max(1, threads)
        _ = GEMMKernel.singleThreadedBLAS
        var builder = PlanBuilder(model: model, batch: batch, threads: self.threads, prepared: prepared ?? PreparedWeights())
        try builder.build()
        inputs = builder.resolvedInputs
        outputs = builder.resolvedOutputs
        arenaBytes = builder.arenaBytes
        steps = builder.stepBodies
        checks = builder.stepChecks
        stepOps = builder.stepOps
        stepSummaries = builder.stepSummaries
        flops = builder.flops
        outputRefs = builder.outputRefs
        retained = builder.retained
        self.arenaPool = arenaPool ?? ArenaPool()
    }

    /// Runs the plan on inputs given in the order of `inputs`, checking their shapes and types.
    public func run(_ given: [Tensor]) throws(EngineError) -> [Tensor] {
        guard given.count == inputs.count else {
            throw EngineError(.invalidInput, "expected \(inputs.count) inputs, got \(given.count)")
        }
        for (t, spec) in zip(given, inputs) {
            guard t.dtype == spec.dtype else {
                throw EngineError(.invalidInput, "input '\(spec.name)': expected \(spec.dtype), got \(t.dtype)")
            }
            guard t.shape.dims == spec.shape else {
                throw EngineError(.invalidInput, "input '\(spec.name)': expected shape \(Shape(spec.shape)), got \(t.shape)")
            }
        }
        let arena = arenaPool.take(bytes: arenaBytes)
        defer { arenaPool.give(arena) }
        let context = RunContext(arena: arena.pointer, inputs: given.map(\.rawPointer))
        for (step, check) in zip(steps, checks) {
            if let check, let problem = check(context) { throw EngineError(.invalidInput, problem) }
            step(context)
        }
        return zip(outputRefs, outputs).map { ref, spec in
            let t = Tensor(uninitializedShape: Shape(spec.shape), dtype: spec.dtype)
            t.rawPointer.copyMemory(from: context.raw(ref), byteCount: t.byteCount)
            return t
        }
    }

    /// Runs with inputs given by name.
    public func run(named: [String: Tensor]) throws(EngineError) -> [String: Tensor] {
        var ordered: [Tensor] = []
        for spec in inputs {
            guard let t = named[spec.name] else { throw EngineError(.invalidInput, "missing input '\(spec.name)'") }
            ordered.append(t)
        }
        let results = try run(ordered)
        return Dictionary(uniqueKeysWithValues: zip(outputs.map(\.name), results))
    }
}
