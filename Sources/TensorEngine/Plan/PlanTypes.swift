/// A value as the planner sees it: shape and type resolved for this batch size, and its
/// contents when known at plan time (weights, and anything computed only from them or
/// from shapes, such as `Shape → Gather → Concat` chains feeding a Reshape).
struct PlanValue {
    var shape: Shape
    var dtype: DType
    var constant: Tensor?
}

/// Where a buffer lives while a plan runs.
/// Pointers here refer to plan-owned constants, valid for the plan's lifetime.
enum BufferRef: @unchecked Sendable {
    /// Plan-time data (weights, folded constants); kept alive by the plan.
    case constant(UnsafeMutableRawPointer)
    /// The caller's input tensor at this index.
    case input(Int)
    /// A byte offset into the run's arena.
    case arena(Int)
}

/// The memory a single run works in: the arena and the caller's inputs.
struct RunContext {
    let arena: UnsafeMutableRawPointer
    let inputs: [UnsafeMutableRawPointer]

    @inline(__always)
    func raw(_ ref: BufferRef) -> UnsafeMutableRawPointer {
        switch ref {
        case .constant(let p): p
        case .input(let i): inputs[i]
        case .arena(let offset): arena + offset
        }
    }

    @inline(__always)
    func floats(_ ref: BufferRef) -> UnsafeMutablePointer<Float> { raw(ref).assumingMemoryBound(to: Float.self) }
}

/// One executable step: its kernel with every shape and pointer decision already made.
typealias StepBody = @Sendable (RunContext) -> Void

/// A pre-step validation: nil when the step's inputs are acceptable, else why not.
typealias StepCheck = @Sendable (RunContext) -> String?

/// What an operator's planner decides for one node.
struct OpPlan {
    var outputs: [(shape: Shape, dtype: DType)]
    /// Scratch bytes the kernel needs during its step.
    var workspaceBytes = 0
    /// Output 0 is input `aliasOf` seen with a new shape (Reshape, Flatten, Squeeze…): no copy.
    var aliasOf: Int?
    /// The outputs depend only on input shapes (Shape): always computed at plan time.
    var dataIndependent = false
    /// Validates data-dependent inputs (indices from a request) before the step runs; returns
    /// a message when they are invalid. Built, like `make`, once buffers are placed.
    var check: ((_ inputs: [BufferRef?]) -> StepCheck)?
    /// Floating-point operations of one execution (multiply-add = 2); 0 means "one per
    /// output element", the estimate for element-wise and data-movement ops.
    var flops = 0
    /// Builds the kernel call once buffers are placed: (inputs, outputs, workspace).
    var make: (_ inputs: [BufferRef?], _ outputs: [BufferRef], _ workspace: BufferRef?) -> StepBody

    init(
        outputs: [(shape: Shape, dtype: DType)], workspaceBytes: Int = 0, aliasOf: Int? = nil,
        make: @escaping (_ inputs: [BufferRef?], _ outputs: [BufferRef], _ workspace: BufferRef?) -> StepBody
    ) {
        self.outputs = outputs
        self.workspaceBytes = workspaceBytes
        self.aliasOf = aliasOf
        self.make = make
    }

    /// An output that is a view of input `index` with a new shape.
    static func alias(of index: Int, shape: Shape, dtype: DType) -> OpPlan {
        OpPlan(outputs: [(shape, dtype)], aliasOf: index) { _, _, _ in { _ in } }
    }

    /// The product of `factors`, or Int.max when it overflows. FLOP counts are statistics
    /// multiplied from shapes in the model file, computed before the planner's size checks:
    /// a count past Int belongs to a plan those checks refuse, and must not trap first.
    static func saturatingProduct(_ factors: Int...) -> Int {
        if factors.contains(0) { return 0 }
        var p = 1
        for f in factors {
            let (next, overflow) = p.multipliedReportingOverflow(by: f)
            if overflow { return .max }
            p = next
        }
        return p
    }
}
