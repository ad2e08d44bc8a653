#if canImport(Glibc)
import Glibc
#endif

/// A value behind a pthread mutex, for state shared by the engine's and the server's
/// threads (arena pools, plan caches, batch queues, statistics). The standard library's
/// `Mutex` is not used: on Linux it is a futex lock inside the uninstrumented
/// Synchronization module, so ThreadSanitizer cannot see it and reports every access it
/// guards as a race (a two-thread `Mutex<[Int]>` append loop does it), which would bury
/// real races; pthread mutexes are intercepted by every sanitizer.
public final class Locked<Value>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the value while holding the lock; keep it short and non-blocking.
    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
