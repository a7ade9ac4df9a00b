import Foundation
import TerminalUI
#if canImport(Glibc)
import Glibc
#endif

/// Actions posted from other threads (the model's worker, signal handlers) for the main loop.
///
/// Posting also writes a byte to a pipe, so a loop blocked in `poll` on standard input
/// wakes at once for a signal or a streamed piece (`wakeDescriptor`).
final class Inbox: @unchecked Sendable {
    // @unchecked: `actions` is only touched under `lock`; the pipe's descriptors are set
    // once in init and never closed (one inbox lives as long as the game).
    private let lock = NSLock()
    private var actions: [AppAction] = []
    private let wakeRead: Int32
    private let wakeWrite: Int32

    init() {
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) != 0 { ends = [-1, -1] }
        for end in ends where end >= 0 {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
        }
        (wakeRead, wakeWrite) = (ends[0], ends[1])
    }

    /// Readable whenever something was posted since the last `drain`.
    var wakeDescriptor: Int32 { wakeRead }

    func post(_ action: AppAction) {
        lock.withLock { actions.append(action) }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)  // a full pipe already wakes the reader
    }

    func drain() -> [AppAction] {
        var bytes = [UInt8](repeating: 0, count: 256)
        while read(wakeRead, &bytes, bytes.count) > 0 {}
        return lock.withLock {
            defer { actions.removeAll() }
            return actions
        }
    }

    /// Waits until something is posted or `timeout` seconds pass.
    func wait(timeout: Double) {
        var descriptor = pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)
        _ = poll(&descriptor, 1, Int32(timeout * 1000))
    }
}
