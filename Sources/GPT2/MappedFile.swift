import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file mapped read-only into memory for as long as this object lives.
///
/// `@unchecked Sendable`: the mapping is read-only (`PROT_READ`) and unmapped only in
/// `deinit`, so sharing it between threads cannot race.
final class MappedFile: @unchecked Sendable {
    let path: String
    let bytes: UnsafeRawBufferPointer

    init(path: String) throws {
        self.path = path
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw errno == ENOENT
                ? CheckpointError.missingFile(path: path)
                : CheckpointError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            throw CheckpointError.unreadable(path: path, reason: "not a regular file")
        }
        let size = Int(status.st_size)
        guard size > 0 else {
            throw CheckpointError.truncated(path: path, expected: 8, actual: 0)
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED else {
            throw CheckpointError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        #if os(Linux)
        // Weights are streamed whole for every token: 2 MiB pages, where the page cache holds
        // them so (ext4 and others keep large folios, and read large ones ahead for such a
        // mapping), spare a TLB miss every 4 KiB and let the prefetcher run past page ends
        // (gpt2-xl f16: 8.0 to 9.0 tokens/s). Where the kernel cannot, the advice is ignored.
        _ = madvise(base, size, MADV_HUGEPAGE)
        #endif
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
    }

    /// The contents of a small file (a config), refusing anything that is not a regular file
    /// (a FIFO would block, a device would never end) or is larger than `limit` bytes.
    static func contents(of path: String, limit: Int = 16 << 20) throws -> Data {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw errno == ENOENT ? CheckpointError.missingFile(path: path)
                                  : CheckpointError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw CheckpointError.unreadable(path: path, reason: "not a regular file") }
        guard Int(status.st_size) <= limit else { throw CheckpointError.unreadable(path: path, reason: "\(status.st_size) bytes is too large") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError.unreadable(path: path, reason: "the file cannot be read")
        }
        return data
    }
}
