#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call while mapping a file: which call, on which path, and the errno it
/// left, so a caller can tell "no such file" from "permission denied" without parsing text.
public struct MappedFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The call that failed (`open`, `fstat`, `mmap`), or `check` for a refusal of ours.
    public var operation: String
    public var path: String
    /// The errno the call left; 0 for a refusal of ours (e.g. not a regular file).
    public var errno: Int32
    /// Human text: strerror for a system error, our reason otherwise.
    public var reason: String

    public init(operation: String, path: String, errno: Int32, reason: String? = nil) {
        self.operation = operation
        self.path = path
        self.errno = errno
        self.reason = reason ?? String(cString: strerror(errno))
    }

    public var description: String {
        errno == 0 ? "\(path): \(reason)" : "\(path): \(operation) failed: \(reason) (errno \(errno))"
    }
}

/// A whole file mapped read-only (`PROT_READ`, `MAP_PRIVATE`): the kernel's page cache is
/// the storage, so nothing is copied and every process mapping the same model shares its
/// pages. The mapping lives exactly as long as this object.
///
/// The bytes are immutable for our process, but not against other writers: if another
/// process truncates the file in place, touching the lost pages raises SIGBUS. That is why
/// `KilnFileWriter` only ever replaces files by rename, which leaves existing mappings on
/// the old inode.
public final class MappedFile: @unchecked Sendable {
    // @unchecked: the pointer is written once in init and only read afterwards; the pages
    // are PROT_READ, so no thread can change them through us.
    public let path: String
    /// The file's size when it was mapped.
    public let size: Int
    private let base: UnsafeRawPointer?

    /// Maps `path`. Refuses anything but a regular file: a FIFO or a character device could
    /// block forever or map something that is not a file's content.
    public init(path: String) throws(MappedFileError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw MappedFileError(operation: "open", path: path, errno: errno) }
        // The descriptor is only needed until mmap returns: the mapping keeps the inode alive.
        defer { close(fd) }

        var info = stat()
        guard fstat(fd, &info) == 0 else { throw MappedFileError(operation: "fstat", path: path, errno: errno) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw MappedFileError(operation: "check", path: path, errno: 0, reason: "not a regular file")
        }
        size = Int(info.st_size)
        // mmap of zero bytes fails with EINVAL; an empty file is represented without a mapping.
        guard size > 0 else {
            base = nil
            return
        }
        let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw MappedFileError(operation: "mmap", path: path, errno: errno)
        }
        base = UnsafeRawPointer(mapped)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), size) }
    }

    /// The whole file. Valid only while this object is alive; page aligned, so any offset
    /// that is a multiple of 64 is 64-byte aligned in memory.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: size) }

    /// Tells the kernel the pages will be read in order (checksumming); advice only.
    public func adviseSequential() {
        if let base { _ = madvise(UnsafeMutableRawPointer(mutating: base), size, MADV_SEQUENTIAL) }
    }
}
