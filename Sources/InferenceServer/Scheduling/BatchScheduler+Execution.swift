import TensorEngine

extension BatchScheduler {
    /// What an execution hands back: each job with its result, delivered by the caller once
    /// the execution's core and instance are released (answers are encoded off the slot).
    typealias Outcomes = [(job: InferenceJob, result: Result<JobResult, InferError>)]

    /// Runs one batch: jobs still wanted are stacked along the first dimension, run through
    /// the plan for that many rows, and each gets its own rows of every output back.
    func execute(_ batch: [InferenceJob]) -> Outcomes {
        let start = Clock.nanos()
        var outcomes: Outcomes = []
        // A client that left while its batch waited for a core costs no compute.
        let live = batch.filter { job in
            if job.cancellation.isCancelled {
                stats.requestFailed(.cancelled, nanos: BatchScheduler.elapsed(since: job.enqueuedNanos, now: start))
                outcomes.append((job, .failure(InferError(.cancelled, "client disconnected"))))
                return false
            }
            return true
        }
        guard !live.isEmpty else { return outcomes }
        let rows = live.reduce(0) { $0 + $1.rows }
        let inputs = live.count == 1 ? live[0].inputs : stack(live, rows: rows)
        let inputDone = Clock.nanos()
        let outputs: [Tensor]
        do {
            outputs = try plans.plan(rows: rows).run(inputs)
        } catch {
            let inferDone = Clock.nanos()
            stats.batchExecuted(size: rows, inputNanos: inputDone - start, inferNanos: inferDone - inputDone, outputNanos: 0)
            if live.count > 1 {
                // One request's bad values (an index out of range) must not fail its
                // neighbours: run each alone to find whose input it was.
                for job in live { outcomes += execute([job]) }
            } else {
                let problem = InferError(.badInput, "model '\(model)': \(error.message)")
                stats.requestFailed(.badInput, nanos: BatchScheduler.elapsed(since: live[0].enqueuedNanos, now: inferDone))
                outcomes.append((live[0], .failure(problem)))
            }
            return outcomes
        }
        let inferDone = Clock.nanos()
        let parts = live.count == 1 ? [outputs] : split(outputs, jobs: live, rows: rows)
        let outputDone = Clock.nanos()
        stats.batchExecuted(size: rows, inputNanos: inputDone - start, inferNanos: inferDone - inputDone, outputNanos: outputDone - inferDone)
        for (job, outs) in zip(live, parts) {
            let queueNanos = BatchScheduler.elapsed(since: job.enqueuedNanos, now: start)
            outcomes.append((job, .success(JobResult(outputs: outs, queueNanos: queueNanos, computeNanos: outputDone - start, batchSize: rows))))
        }
        return outcomes
    }

    /// Each input of every job copied, job after job, into one tensor of `rows` rows.
    private func stack(_ jobs: [InferenceJob], rows: Int) -> [Tensor] {
        (0..<jobs[0].inputs.count).map { i in
            let first = jobs[0].inputs[i]
            var dims = first.shape.dims
            dims[0] = rows
            let out = Tensor(uninitializedShape: Shape(dims), dtype: first.dtype)
            var offset = 0
            for job in jobs {
                let t = job.inputs[i]
                (out.rawPointer + offset).copyMemory(from: t.rawPointer, byteCount: t.byteCount)
                offset += t.byteCount
            }
            return out
        }
    }

    /// Cuts every output with `rows` leading rows back into one piece per job; an output
    /// without the batch dimension is given whole to each job.
    private func split(_ outputs: [Tensor], jobs: [InferenceJob], rows: Int) -> [[Tensor]] {
        var parts = Array(repeating: [Tensor](), count: jobs.count)
        for out in outputs {
            guard out.shape.rank >= 1, out.shape[0] == rows else {
                for j in jobs.indices { parts[j].append(out) }
                continue
            }
            let rowBytes = out.byteCount / rows
            var offset = 0
            for (j, job) in jobs.enumerated() {
                var dims = out.shape.dims
                dims[0] = job.rows
                let piece = Tensor(uninitializedShape: Shape(dims), dtype: out.dtype)
                piece.rawPointer.copyMemory(from: out.rawPointer + offset, byteCount: rowBytes * job.rows)
                offset += rowBytes * job.rows
                parts[j].append(piece)
            }
        }
        return parts
    }
}
