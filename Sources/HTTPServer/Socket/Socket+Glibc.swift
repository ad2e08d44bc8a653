import CSystemShims
#if canImport(Glibc)
import Glibc
#endif

/// Every system call the server makes, in one place. Sockets are non-blocking and
/// close-on-exec; sends use MSG_NOSIGNAL so a vanished peer never raises SIGPIPE.
enum Socket {
    /// Creates, binds and listens on a TCP socket for `host:port` (port 0 picks a free one).
    /// - Returns: the listening descriptor and the port actually bound.
    static func listen(host: String, port: Int, backlog: Int32) throws(SocketError) -> (fd: Int32, port: Int) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw SocketError(call: "getaddrinfo", errno: rc, detail: "\(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .makeFailed("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            let error = SocketError.makeFailed("bind", detail: "\(host):\(port)")
            close(fd)
            throw error
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let error = SocketError.makeFailed("listen")
            close(fd)
            throw error
        }
        return (fd, boundPort(fd))
    }

    private static func boundPort(_ fd: Int32) -> Int {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        let family = storage.ss_family
        return withUnsafePointer(to: &storage) { ptr in
            if family == sa_family_t(AF_INET6) {
                return ptr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return ptr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }

    /// Outcome of one accept attempt.
    enum AcceptResult {
        case accepted(Int32)
        case wouldBlock
        case failed(SocketError)
    }

    static func accept(_ listenFD: Int32) -> AcceptResult {
        let fd = kiln_accept_nonblocking(listenFD)
        if fd >= 0 {
            var one: Int32 = 1
            // Responses are written whole; Nagle would only delay the last segment.
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            return .accepted(fd)
        }
        let e = errno
        if e == EAGAIN || e == EWOULDBLOCK || e == EINTR || e == ECONNABORTED { return .wouldBlock }
        return .failed(SocketError(call: "accept4", errno: e))
    }

    /// Outcome of one read or write.
    enum IOResult {
        case bytes(Int)
        case wouldBlock
        case closed  // EOF on read
        case failed(SocketError)
    }

    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> IOResult {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .closed }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return .wouldBlock }
            return .failed(SocketError(call: "read", errno: e))
        }
    }

    static func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> IOResult {
        while true {
            let n = send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return .bytes(n) }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return .wouldBlock }
            return .failed(SocketError(call: "send", errno: e))
        }
    }

    /// Half-closes: our FIN goes out after the queued response (RFC 9112 §9.6).
    static func shutdownWrite(_ fd: Int32) { _ = shutdown(fd, Int32(SHUT_WR)) }

    /// Closes with an RST instead of a FIN, for clients we are abandoning (write timeout).
    static func abort(_ fd: Int32) {
        var l = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
    }

    static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    /// Monotonic nanoseconds: the only clock the connection state machine is fed.
    static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Wall-clock Unix seconds, for the Date field.
    static func unixSeconds() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return ts.tv_sec
    }

    /// Ignores SIGPIPE process-wide; MSG_NOSIGNAL already covers sends, this covers the rest.
    static func ignoreSIGPIPE() { signal(SIGPIPE, SIG_IGN) }
}
