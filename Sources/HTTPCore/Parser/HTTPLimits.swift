/// Size limits the parser enforces while it reads, each with its own status.
/// Defaults follow common servers: nginx allows 8 KiB request lines, Go 1 MiB of
/// header, NIO 80 KiB; ours stays small because inference requests carry data in bodies.
public struct HTTPLimits: Sendable, Equatable {
    /// Longest request line, CRLF excluded. Over it: 414 URI Too Long. Default 8192.
    public var maxRequestLineBytes: Int
    /// Largest header block (request line, fields and trailers). Over it: 431. Default 65536.
    public var maxHeaderBytes: Int
    /// Most header fields in one request (trailers count too). Over it: 431. Default 100.
    public var maxHeaderCount: Int
    /// Largest request body as sent on the wire. Over it: 413, decided from
    /// Content-Length before any body byte is read. Default 64 MiB.
    public var maxBodyBytes: Int
    /// Largest body after Content-Encoding is undone (a gzip bomb stops here). Default 64 MiB.
    public var maxDecodedBodyBytes: Int

    public init(
        maxRequestLineBytes: Int = 8192,
        maxHeaderBytes: Int = 65536,
        maxHeaderCount: Int = 100,
        maxBodyBytes: Int = 64 << 20,
        maxDecodedBodyBytes: Int = 64 << 20
    ) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.maxDecodedBodyBytes = maxDecodedBodyBytes
    }
}
