#if canImport(Glibc)
import Glibc
#endif

/// A fixed set of threads for CPU-bound handlers. Unlike a concurrent DispatchQueue it
/// never grows when work blocks, so inference cannot oversubscribe the cores, and it
/// never runs on the event-loop threads.
public final class ComputePool: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Queued jobs from `head` on; a taken slot is cleared at once, so a finished job's
    /// captures (a request body, its tensors: megabytes) are freed when it returns, not
    /// when the array is next compacted.
    private var jobs: [(@Sendable () -> Void)?] = []
    private var head = 0
    private var stopping = false
    private var workers: [pthread_t] = []
    public let size: Int

    public init(threads: Int) {
        size = max(1, threads)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        for _ in 0..<size {
            var thread = pthread_t()
            let box = Unmanaged.passRetained(self)
            pthread_create(&thread, nil, { raw in
                let pool = Unmanaged<ComputePool>.fromOpaque(raw!).takeRetainedValue()
                pool.work()
                return nil
            }, box.toOpaque())
            workers.append(thread)
        }
    }

    /// Runs once `shutdown` has ended the threads (each holds the pool while it runs).
    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Queues a job; it runs on one of the pool's threads in FIFO order.
    public func submit(_ job: @escaping @Sendable () -> Void) {
        pthread_mutex_lock(mutex)
        jobs.append(job)
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Jobs waiting for a thread.
    public var pending: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return jobs.count - head
    }

    private func work() {
        while true {
            pthread_mutex_lock(mutex)
            while head == jobs.count && !stopping { pthread_cond_wait(condition, mutex) }
            if head == jobs.count && stopping {
                pthread_mutex_unlock(mutex)
                return
            }
            let job = jobs[head].take()!
            head += 1
            // Cleared slots are dropped once they are most of the array (amortised O(1)).
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 64 && head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            pthread_mutex_unlock(mutex)
            job()
        }
    }

    /// Lets queued jobs finish, then ends the threads.
    public func shutdown() {
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
        for t in workers { pthread_join(t, nil) }
    }
}
