import Synchronization

/// Intermediate memory for plan runs, lent one arena per run and kept for the next. Plans of
/// one model at several batch sizes can share a pool: a run takes any free arena large
/// enough, so a server holds about one arena per execution running at once instead of one
/// per batch size and execution (MobileNetV2 ×0.5 at batch 1–8: 3–26 MB each).
public final class ArenaPool: Sendable {
    /// The least bytes an arena is allocated with: the largest plan's need, once known, so
    /// every arena fits every plan that shares the pool.
    private let minimum = Atomic<Int>(0)
    private let free = Locked<[Arena]>([])

    public init() {}

    /// Arenas allocated from now on have at least `bytes` (only ever raised).
    public func reserve(atLeast bytes: Int) {
        _ = minimum.max(bytes, ordering: .relaxed)
    }

    public var minimumBytes: Int { minimum.load(ordering: .relaxed) }

    deinit {
        free.withLock { for a in $0 { a.pointer.deallocate() } }
    }

    /// A free arena of at least `bytes` (64-byte aligned), or a new one.
    func take(bytes: Int) -> Arena {
        let reused = free.withLock { arenas -> Arena? in
            guard let i = arenas.lastIndex(where: { $0.bytes >= bytes }) else { return nil }
            return arenas.remove(at: i)
        }
        if let reused { return reused }
        let size = max(bytes, minimum.load(ordering: .relaxed), 64)
        return Arena(pointer: UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64), bytes: size)
    }

    /// Returns an arena taken from this pool.
    func give(_ arena: Arena) {
        free.withLock { $0.append(arena) }
    }

    /// Arenas held and not lent out (for tests).
    var idleCount: Int { free.withLock { $0.count } }

    /// One run's intermediate memory; used by one run at a time.
    struct Arena: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
        let bytes: Int
    }
}
