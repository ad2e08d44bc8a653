import Dispatch
import HTTPServer
import TensorEngine

/// One request waiting for, or taking part in, an execution: its input tensors (in the
/// plan's input order, `rows` along the first dimension), when it must be answered by,
/// and where its outputs go. Completed exactly once, from whichever thread finishes it.
public final class InferenceJob: @unchecked Sendable {
    public let inputs: [Tensor]
    public let rows: Int
    /// Lower is served first; see `PriorityKey`.
    public let priority: Int
    public let enqueuedNanos: UInt64
    /// Monotonic time after which the job is dropped unanswered by the model (nil: never).
    public let deadlineNanos: UInt64?
    public let cancellation: Cancellation
    let sequence: UInt64
    private let completion: @Sendable (Result<JobResult, InferError>) -> Void

    public init(
        inputs: [Tensor], rows: Int, priority: Int = 0, timeoutMicroseconds: Int? = nil, cancellation: Cancellation,
        sequence: UInt64 = 0, completion: @escaping @Sendable (Result<JobResult, InferError>) -> Void
    ) {
        self.inputs = inputs
        self.rows = rows
        self.priority = priority
        let now = Clock.nanos()
        enqueuedNanos = now
        // The timeout is a request parameter (any Int64): a deadline past the clock's range
        // saturates to "never" instead of trapping.
        deadlineNanos = timeoutMicroseconds.map { t in
            let (nanos, o1) = UInt64(max(0, t)).multipliedReportingOverflow(by: 1000)
            let (deadline, o2) = now.addingReportingOverflow(nanos)
            return o1 || o2 ? .max : deadline
        }
        self.cancellation = cancellation
        self.sequence = sequence
        self.completion = completion
    }

    /// Orders the queue: V2 `priority` 1 is the most urgent; absent or 0 means normal, which
    /// ranks between 1 and 2; larger numbers wait longer. Ties keep arrival order. The
    /// priority is a request parameter: past Int.max / 2 the key saturates instead of trapping.
    var priorityKey: Int {
        guard priority != 0 else { return 3 }
        let (key, overflow) = priority.multipliedReportingOverflow(by: 2)
        return overflow ? .max : key
    }

    func complete(_ result: Result<JobResult, InferError>) { completion(result) }
}

/// What an execution gives one job back.
public struct JobResult: Sendable {
    /// Outputs in the plan's output order, this job's rows only.
    public var outputs: [Tensor]
    public var queueNanos: UInt64
    public var computeNanos: UInt64
    /// Rows in the execution this job was part of.
    public var batchSize: Int
}

/// The monotonic clock the scheduler measures with.
enum Clock {
    @inline(__always) static func nanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}
