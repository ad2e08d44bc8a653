#if canImport(Glibc)
import Glibc
#endif

/// A failed system call, with the call's name and errno (FlyingSocks' shape), so every
/// socket failure reads the same way in logs: "bind failed: Address already in use (errno 98)".
public struct SocketError: Error, CustomStringConvertible, Sendable {
    public let call: String
    public let errno: Int32
    public let detail: String?

    public init(call: String, errno: Int32, detail: String? = nil) {
        self.call = call
        self.errno = errno
        self.detail = detail
    }

    /// Captures the thread's current errno for a call that just failed.
    static func makeFailed(_ call: String, detail: String? = nil) -> SocketError {
        SocketError(call: call, errno: Glibc.errno, detail: detail)
    }

    public var description: String {
        let reason = String(cString: strerror(errno))
        let suffix = detail.map { " (\($0))" } ?? ""
        return "\(call) failed: \(reason) (errno \(errno))\(suffix)"
    }
}
