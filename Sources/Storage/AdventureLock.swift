import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Keeps one adventure open in one game at a time: two windows playing the same
/// adventure would each overwrite the other's turns. An advisory `flock` on a small
/// file beside the save file; the system releases it if the process dies.
public final class AdventureLock: @unchecked Sendable {
    // @unchecked: `descriptor` is set in init and only closed (once) by `release`/deinit under `lock`.
    private var descriptor: Int32
    private let path: String
    private let lock = NSLock()

    public init(folder: String, id: Int64) throws {
        path = (folder as NSString).appendingPathComponent(".adventure-\(id).lock")
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            // A read-only saves folder: the database will report it; play without a lock.
            return
        }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            close(descriptor)
            descriptor = -1
            throw StorageError.adventureInUse(id)
        }
    }

    /// Deletes the lock file (while holding the lock), for an adventure that no longer exists.
    public func removeFile() {
        lock.lock()
        defer { lock.unlock() }
        if descriptor >= 0 { unlink(path) }
    }

    public func release() {
        lock.lock()
        defer { lock.unlock() }
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
    }

    deinit { release() }
}
