import CSystemShims
#if canImport(Glibc)
import Glibc
#endif

/// One event loop's level-triggered epoll set. Client sockets are watched here rather
/// than through a Dispatch source each: libdispatch's Linux backend unregisters a hung-up
/// descriptor from the source's target queue while its manager thread walks the same
/// per-descriptor lists, which under connection churn crashes in
/// `_dispatch_event_loop_drain` or traps with "Source finalized twice"
/// (swift-corelibs-libdispatch issue 949; docs/reliability.md). The set itself is one
/// descriptor that never hangs up, watched by a single Dispatch source for its lifetime.
struct ReadinessSet {
    /// What a connection wants to hear about. Hang-ups and errors are always reported.
    struct Interest: OptionSet, Equatable {
        let rawValue: UInt32
        static let read = Interest(rawValue: UInt32(KILN_EPOLLIN))
        static let write = Interest(rawValue: UInt32(KILN_EPOLLOUT))
    }

    /// A readiness report: the token a descriptor was registered with, and what happened.
    struct Report {
        let token: Int
        let events: UInt32
        var readable: Bool { events & UInt32(KILN_EPOLLIN) != 0 }
        var writable: Bool { events & UInt32(KILN_EPOLLOUT) != 0 }
        /// The peer reset the connection, or both directions are shut down.
        var hungUp: Bool { events & UInt32(KILN_EPOLLHUP | KILN_EPOLLERR) != 0 }
    }

    let fd: Int32

    init() throws(SocketError) {
        let fd = kiln_epoll_create()
        guard fd >= 0 else { throw .makeFailed("epoll_create1") }
        self.fd = fd
    }

    /// Starts watching `socket`; false when the kernel refuses (out of memory or watches).
    func add(_ socket: Int32, token: Int, interest: Interest) -> Bool {
        kiln_epoll_control(fd, 0, socket, interest.rawValue, UInt64(token)) == 0
    }

    func modify(_ socket: Int32, token: Int, interest: Interest) {
        _ = kiln_epoll_control(fd, 1, socket, interest.rawValue, UInt64(token))
    }

    /// Stops watching before the descriptor is closed, so a copy held by a forked child
    /// cannot keep reporting a number that is no longer ours.
    func remove(_ socket: Int32) {
        _ = kiln_epoll_control(fd, 2, socket, 0, 0)
    }

    /// Reports what is ready now, without blocking; at most `buffer.count`.
    func poll(into buffer: UnsafeMutableBufferPointer<kiln_epoll_report>) -> Int {
        max(0, Int(kiln_epoll_poll(fd, buffer.baseAddress, Int32(buffer.count))))
    }

    func close() { _ = Glibc.close(fd) }
}
