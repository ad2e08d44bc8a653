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
        if writeSource == nil {
            let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: loop.queue)
            source.setEventHandler { [unowned self] in flush() }
            source.setCancelHandler { [self] in sourceCancelled() }
            writeSource = source
            liveSources += 1
            writeArmed = true
            source.resume()
        } else if !writeArmed {
            writeArmed = true
            writeSource?.resume()
        }
    }

    private func disarmWrite() {
        if writeArmed {
            writeArmed = false
            writeSource?.suspend()
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
            readSource?.resume()
        }
    }

    /// Closes at once. `abort` sends RST instead of FIN (for clients that stopped reading).
    func closeNow(abort: Bool = false) {
        guard !closed else { return }
        closed = true
        current?.cancellation?.cancel()
        if abort { Socket.abort(fd) }
        if readSuspended { readSource?.resume() }
        readSource?.cancel()
        if let writeSource {
            if !writeArmed { writeSource.resume() }
            writeSource.cancel()
        }
        loop.remove(self)
    }

    /// Dispatch requires the descriptor to stay open until every source on it is cancelled.
    func sourceCancelled() {
        liveSources -= 1
        if liveSources == 0 {
            Socket.close(fd)
            readSource = nil
            writeSource = nil
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
