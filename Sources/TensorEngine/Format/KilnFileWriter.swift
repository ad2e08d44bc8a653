#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A tensor to store: its name, element type, shape and raw little-endian bytes
/// (`bytes.count` must equal `dtype.size` × the element count).
public struct KilnTensor: Sendable, Equatable {
    public var name: String
    public var dtype: DType
    public var shape: [Int]
    public var bytes: [UInt8]

    public init(name: String, dtype: DType, shape: [Int], bytes: [UInt8]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }
}

/// Writes .kiln files (the converter's back end). It lays tensors out in the order given,
/// computes every offset, CRC-32 and the SHA-256 trailer, and validates the header with the
/// reader's own checks first, so it cannot produce a file the reader refuses. Output is
/// deterministic: the same model gives the same bytes.
public enum KilnFileWriter {
    /// Writes the model to `path` atomically: into a temporary file beside it, fsync'd, then
    /// renamed over `path`. Readers never see a partial file, and processes that have the old
    /// file mapped keep their (old) pages instead of getting SIGBUS.
    public static func write(
        metadata: ModelMetadata, inputs: [ValueInfo], outputs: [ValueInfo], nodes: [GraphNode], tensors: [KilnTensor], to path: String
    ) throws(KilnFileError) {
        let plan = try plan(metadata: metadata, inputs: inputs, outputs: outputs, nodes: nodes, tensors: tensors)
        let temp = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ioError("create", temp) }
        var renamed = false
        defer { if !renamed { unlink(temp) } }
        do throws(KilnFileError) {
            try emit(
                plan,
                to: { (chunk: UnsafeRawBufferPointer) throws(KilnFileError) in
                    var done = 0
                    while done < chunk.count {
                        let n = systemWrite(fd, chunk.baseAddress! + done, chunk.count - done)
                        if n < 0 && errno == EINTR { continue }
                        guard n > 0 else { throw ioError("write", temp) }
                        done += n
                    }
                })
            guard fsync(fd) == 0 else { throw ioError("fsync", temp) }
        } catch {
            close(fd)
            throw error
        }
        guard close(fd) == 0 else { throw ioError("close", temp) }
        guard rename(temp, path) == 0 else { throw ioError("rename to \(path)", temp) }
        renamed = true
        // Make the rename itself durable; best effort, as some filesystems refuse fsync on directories.
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            _ = fsync(dfd)
            close(dfd)
        }
    }

    /// The whole file in memory (tests, small models).
    public static func encode(
        metadata: ModelMetadata, inputs: [ValueInfo], outputs: [ValueInfo], nodes: [GraphNode], tensors: [KilnTensor]
    ) throws(KilnFileError) -> [UInt8] {
        let plan = try plan(metadata: metadata, inputs: inputs, outputs: outputs, nodes: nodes, tensors: tensors)
        var out: [UInt8] = []
        out.reserveCapacity(Int(plan.preamble.totalLength))
        try emit(plan, to: { (chunk: UnsafeRawBufferPointer) throws(KilnFileError) in out.append(contentsOf: chunk) })
        return out
    }

    /// Everything needed to emit the bytes: the preamble (CRC not yet set), the header JSON,
    /// and each data block with its offset in the data section.
    struct Plan {
        var preamble: KilnPreamble
        var json: [UInt8]
        var blocks: [(offset: Int, bytes: [UInt8])]
        var dataLength: Int
    }

    static func plan(
        metadata: ModelMetadata, inputs: [ValueInfo], outputs: [ValueInfo], nodes: [GraphNode], tensors: [KilnTensor]
    ) throws(KilnFileError) -> Plan {
        var entries: [KilnTensorEntry] = []
        var end = 0
        for t in tensors {
            let offset = KilnHeader.roundUp(end)
            entries.append(
                KilnTensorEntry(
                    name: t.name, dtype: t.dtype, shape: t.shape, offset: offset, length: t.bytes.count, crc32: CRC32.checksum(t.bytes)))
            end = offset + t.bytes.count  // arrays in memory: far from Int.max
        }
        let header = KilnHeader(metadata: metadata, inputs: inputs, outputs: outputs, nodes: nodes, tensors: entries)
        let dataLength = KilnHeader.roundUp(end)
        try header.validate(dataLength: dataLength)
        let json = try header.encodedJSON()
        guard json.count <= KilnLimits.maxHeaderLength else {
            throw KilnFileError(.limit, "header is \(json.count) bytes, over the cap of \(KilnLimits.maxHeaderLength)")
        }
        return layout(json: json, blocks: zip(entries, tensors).map { ($0.offset, $1.bytes) }, dataLength: dataLength)
    }

    /// Sizes and offsets for a header and a data section; no validation (tests use this to
    /// build hostile files whose checksums are right).
    static func layout(json: [UInt8], blocks: [(offset: Int, bytes: [UInt8])], dataLength: Int) -> Plan {
        var p = KilnPreamble()
        p.headerLength = UInt64(json.count)
        let a = KilnPreamble.dataAlignment
        let dataOffset = (KilnPreamble.size + json.count + a - 1) / a * a
        p.dataOffset = UInt64(dataOffset)
        p.totalLength = UInt64(dataOffset + dataLength + KilnPreamble.trailerSize)
        return Plan(preamble: p, json: json, blocks: blocks, dataLength: dataLength)
    }

    /// Streams the file to `sink`: preamble (with its CRC), header, zero padding, blocks with
    /// zero padding, and the SHA-256 of all of it. Blocks must be in offset order.
    static func emit(_ plan: Plan, to sink: (UnsafeRawBufferPointer) throws(KilnFileError) -> Void) throws(KilnFileError) {
        let hasher = SHA256Hasher()
        var written = 0
        func put(_ bytes: UnsafeRawBufferPointer) throws(KilnFileError) {
            hasher.update(bytes)
            try sink(bytes)
            written += bytes.count
        }
        func put(_ bytes: [UInt8]) throws(KilnFileError) {
            try withBytes(bytes) { (b: UnsafeRawBufferPointer) throws(KilnFileError) in try put(b) }
        }
        func zeros(upTo target: Int) throws(KilnFileError) {
            while written < target {
                let n = min(zeroPage.count, target - written)
                try withBytes(zeroPage) { (z: UnsafeRawBufferPointer) throws(KilnFileError) in
                    try put(UnsafeRawBufferPointer(rebasing: z[0..<n]))
                }
            }
        }
        var preamble = plan.preamble
        preamble.headerCRC = preamble.encoded().withUnsafeBytes { p in
            plan.json.withUnsafeBytes { KilnPreamble.headerCRC(preamble: p, header: $0) }
        }
        try put(preamble.encoded())
        try put(plan.json)
        let dataOffset = Int(preamble.dataOffset)
        try zeros(upTo: dataOffset)
        for block in plan.blocks {
            try zeros(upTo: dataOffset + block.offset)
            try put(block.bytes)
        }
        try zeros(upTo: dataOffset + plan.dataLength)
        let digest = hasher.finalize()
        try withBytes(digest) { (b: UnsafeRawBufferPointer) throws(KilnFileError) in try sink(b) }
    }

    /// `Array.withUnsafeBytes` is `rethrows`, which erases a typed error; this keeps it.
    private static func withBytes(
        _ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(KilnFileError) -> Void
    ) throws(KilnFileError) {
        let result = array.withUnsafeBytes { b in Result { () throws(KilnFileError) in try body(b) } }
        try result.get()
    }

    private static let zeroPage = [UInt8](repeating: 0, count: 4096)

    /// write(2), named apart from our own `write`.
    private static func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
        #if canImport(Glibc)
            Glibc.write(fd, p, n)
        #else
            Darwin.write(fd, p, n)
        #endif
    }

    private static func ioError(_ operation: String, _ path: String) -> KilnFileError {
        let e = errno
        return KilnFileError(.io, "\(operation) \(quoted(path)) failed: \(String(cString: strerror(e))) (errno \(e))")
    }
}
