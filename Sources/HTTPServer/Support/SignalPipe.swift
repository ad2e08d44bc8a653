import CSystemShims
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Delivers SIGTERM/SIGINT to a closure on a queue without a window where they are lost.
/// A C handler, installed synchronously, writes each signal into a pipe; a Dispatch read
/// source drains the pipe. (A DispatchSource signal source registers asynchronously, so a
/// signal arriving right after start-up could otherwise be dropped or kill the process.)
public final class SignalPipe: @unchecked Sendable {
    private let readFD: Int32
    private let source: DispatchSourceRead

    /// - Parameter handler: called on `queue` once per signal received, with its number.
    public init(signals: [Int32], queue: DispatchQueue, handler: @escaping @Sendable (Int32) -> Void) throws(SocketError) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw .makeFailed("pipe") }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        }
        readFD = fds[0]
        guard kiln_install_signal_pipe(fds[1], signals, Int32(signals.count)) == 0 else { throw .makeFailed("sigaction") }
        let fd = readFD
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler {
            var byte: UInt8 = 0
            while read(fd, &byte, 1) == 1 { handler(Int32(byte)) }
        }
        source.resume()
    }
}
