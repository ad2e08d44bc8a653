import Dispatch
import HTTPCore

extension Connection {
    /// Writes what is queued until done or the socket is full; the write source takes
    /// over when it is full, and the state machine's write deadline starts running.
    func flush() {
        guard !closed else { return }
        while outboundStart < outbound.count {
            let result = outbound.withUnsafeBytes { Socket.write(fd, UnsafeRawBufferPointer(rebasing: $0[outboundStart...])) }
            switch result {
            case .bytes(let n):
                outboundStart += n
                machine.writeProgress(now: Socket.monotonicNanos())
            case .wouldBlock:
                armWrite()
                return
            case .closed, .failed:
                closeNow()
                return
            }
        }
        outbound.removeAll(keepingCapacity: outbound.capacity <= 1 << 20)
        outboundStart = 0
        disarmWrite()
        guard machine.writePendingSince != nil else { return }
        switch machine.writeDrained(now: Socket.monotonicNanos()) {
        case .keepReading:
            if peerEOF && current == nil && inboundStart == inbound.count { closeNow() }
        case .lingerThenClose:
            beginLinger()
        }
    }

    private func armWrite() {
        if !writeArmed {
            writeArmed = true
            updateInterest()
        }
    }

    private func disarmWrite() {
        if writeArmed {
            writeArmed = false
            updateInterest()
        }
    }

    /// After the last response: send FIN, then keep reading (and discarding) briefly, so
    /// unread request bytes do not make the kernel reset the connection before the client
    /// has read our answer (nginx's lingering close).
    private func beginLinger() {
        lingering = true
        Socket.shutdownWrite(fd)
        if peerEOF {
            closeNow()
        } else if readSuspended {
            readSuspended = false
            updateInterest()
        }
    }

    /// Closes at once. `abort` sends RST instead of FIN (for clients that stopped reading).
    /// Everything happens here, on the loop's queue: the socket leaves the readiness set
    /// before its number is released, and reports already fetched for it find no entry.
    func closeNow(abort: Bool = false) {
        guard !closed else { return }
        closed = true
        current?.cancellation?.cancel()
        if abort { Socket.abort(fd) }
        loop.readiness?.remove(fd)
        watched = []
        Socket.close(fd)
        withExtendedLifetime(self) {
            loop.remove(self)
            server.connectionClosed()
        }
    }

    /// Called by the loop's periodic sweep.
    func checkDeadlines(now: UInt64) {
        guard !closed else { return }
        switch machine.timeoutCheck(now: now) {
        case .none:
            return
        case .close:
            closeNow()
        case .abort:
            closeNow(abort: true)
        case .requestTimeout:
            machine.timedOut()
            if current == nil {
                current = InFlight(head: Connection.placeholderHead, started: now, bytesIn: inbound.count - inboundStart, requestID: loop.nextRequestID())
            }
            respond(.error(.requestTimeout, "request not received in time"))
            flush()
        }
    }

    /// Shutdown: idle connections close now; others close after their current response.
    func beginShutdown() {
        guard !closed else { return }
        if machine.beginShutdown() { closeNow() }
    }
}
