import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Standard input read a line at a time, in a way a signal can interrupt: it waits in
/// `poll` on standard input and on the inbox's wake pipe together, so SIGINT, SIGTERM
/// or SIGHUP (posted to the inbox) are answered at once, not after the next line.
/// (The standard library's `readLine` retries on EINTR and, with input closed, spins.)
struct InputLines {
    enum Event: Equatable {
        case line(String)
        /// Something was posted to the inbox.
        case woken
        /// Standard input is closed (or failed); a last unterminated line comes first.
        case end
    }

    private let descriptor: Int32
    private var pending: [UInt8] = []
    private var ended = false

    init(descriptor: Int32 = STDIN_FILENO) {
        self.descriptor = descriptor
    }

    /// The next line (without its newline; invalid UTF-8 becomes U+FFFD), or `.woken` as
    /// soon as `wake` is readable, or `.end`.
    mutating func next(wakingOn wake: Int32) -> Event {
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                var line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                if line.last == 0x0D { line.removeLast() }
                return .line(String(decoding: line, as: UTF8.self))
            }
            if ended {
                guard !pending.isEmpty else { return .end }
                defer { pending.removeAll() }
                return .line(String(decoding: pending, as: UTF8.self))
            }
            var descriptors = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
                               pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&descriptors, nfds_t(descriptors.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                ended = true
                continue
            }
            if descriptors[1].revents != 0 { return .woken }
            if descriptors[0].revents != 0 { readAvailable() }
        }
    }

    private mutating func readAvailable() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(descriptor, &buffer, buffer.count)
        if count > 0 {
            pending += buffer[..<count]
        } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
            ended = true  // end of input, or a terminal that hung up
        }
    }
}
