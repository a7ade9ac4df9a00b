#if canImport(Glibc)
import Glibc
#endif

/// Puts the terminal back as it was, from any exit path: normal exit, an error, SIGTERM,
/// or a crash signal. The crash path uses only async-signal-safe calls (tcsetattr, write).
enum TerminalRestore {
    nonisolated(unsafe) private static var saved = termios()
    nonisolated(unsafe) private static var hasSaved = false

    /// Leaves the alternate screen, shows the cursor and turns off mouse reporting and bracketed paste.
    private static let resetSequence: [UInt8] = Array("\u{1B}[?1000l\u{1B}[?1006l\u{1B}[?2004l\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l".utf8)

    static func saveTerminalState() {
        if tcgetattr(STDIN_FILENO, &saved) == 0 { hasSaved = true }
    }

    /// Called from a crash signal handler: no allocation, no locks.
    static func restoreFromSignal() {
        if hasSaved { tcsetattr(STDIN_FILENO, TCSANOW, &saved) }
        resetSequence.withUnsafeBufferPointer { _ = write(STDOUT_FILENO, $0.baseAddress, $0.count) }
    }

    static func installCrashHandlers() {
        for signal in [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in
                TerminalRestore.restoreFromSignal()
                // Die of the same signal, so the exit status and any core dump are as before.
                Glibc.signal(signal, SIG_DFL)
                raise(signal)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0  // the handler restores the default itself
            sigaction(signal, &action, nil)
        }
    }
}
