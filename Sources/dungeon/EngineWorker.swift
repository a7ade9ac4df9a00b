import Dispatch
import Engine
import Foundation
import GPT2
import Remote
import Story
import TerminalUI
import Tokenizer

/// Runs the model on its own thread, so the screen keeps drawing while a reply is written.
///
/// `@unchecked Sendable`: `engine` is only touched on `queue`, a serial queue; `stopRequested`
/// is guarded by `lock`. `counter` is safe on any thread (an immutable tokenizer, or a remote
/// backend's locked cache).
final class EngineWorker: @unchecked Sendable {
    private let engine: any GameModel
    private let queue = DispatchQueue(label: "dungeon.generation", qos: .userInitiated)
    private let lock = NSLock()
    private var stopRequested = false
    /// Bumped by every request; a read-ahead runs only while its ticket is the latest, so a
    /// newer read-ahead makes it yield at the end of its chunk.
    private var ticket = 0
    /// Requests a read-ahead yields to between layers, dropping its chunk: a reply asked for
    /// and not yet started, or a stop. (A word typed mid-chunk waits for the chunk instead:
    /// at one word a second, dropping chunks would starve the second cache.)
    private var replyWaiting = false
    private var stops = 0
    let counter: any TokenCounter
    let contextLength: Int
    let modelName: String

    init(engine: any GameModel) {
        self.engine = engine
        self.counter = engine.counter
        self.contextLength = engine.contextLength
        // The status bar shows the precision beside the name ("gpt2-xl q8") or the server.
        self.modelName = engine.statusName
        if let remote = engine as? RemoteGenerator, remote.counting == .estimate {
            tokenCountNote = "Token counts are estimates, one per three bytes of text (more than GPT-2 counts for "
                + "English): \(remote.server.program.rawValue) does not count tokens for the game."
        }
        // The cache the last run kept, taken back before the first read (the queue is serial).
        queue.async { [self] in self.engine.restoreSavedCache() }
    }

    /// Said in the context inspector when counts are not exact.
    private(set) var tokenCountNote: String?

    /// Writes a reply to the teller's last turn; posts `.streamed` pieces, then `.replyFinished`
    /// or `.generationFailed`.
    func generate(
        teller: StoryTeller, keepPartial: Bool, seed: UInt64, recall: (any StoryIndex)? = nil,
        post: @escaping @Sendable (AppAction) -> Void
    ) {
        lock.withLock {
            stopRequested = false
            replyWaiting = true
            ticket += 1
        }
        queue.async { [self] in
            lock.withLock { replyWaiting = false }
            var teller = teller
            var random = SplitMix64(seed: seed)
            engine.setPromptProgress { done, total in post(.promptProgress(done: done, total: total)) }
            // Esc, Ctrl-C or quitting stop the model between layers, even mid-prompt.
            engine.setStopCheck { self.lock.withLock { self.stopRequested } }
            do {
                let outcome = try teller.writeReply(with: engine, random: &random, keepPartial: keepPartial, recall: recall) { piece in
                    post(.streamed(piece))
                    return !self.lock.withLock { self.stopRequested }
                }
                post(.replyFinished(teller, outcome))
                for notice in engine.takeNotices() { post(.notice(notice, isError: false)) }
            } catch {
                post(.generationFailed(String(describing: error)))
            }
        }
    }

    func stop() {
        lock.withLock {
            stopRequested = true
            stops += 1
            ticket += 1
        }
    }

    /// Reads `prompt` (the next prompt up to the player's action) into the model's cache
    /// while the player reads and types, on the engine's own queue, then `upcoming` (the
    /// prompt's start once old turns drop out) into its second cache. It yields to a reply or
    /// a stop between layers, and to a newer read-ahead between chunks (64 tokens), keeping
    /// the chunks it finished.
    func readAhead(_ prompt: String, upcoming: String?) {
        let (mine, stopsBefore) = lock.withLock { () -> (Int, Int) in
            ticket += 1
            return (ticket, stops)
        }
        queue.async { [self] in
            let superseded = { self.lock.withLock { self.ticket != mine } }
            guard !superseded() else { return }
            let urgent = { self.lock.withLock { self.replyWaiting || self.stops != stopsBefore } }
            _ = try? engine.readAhead(prompt: prompt, upcoming: upcoming, shouldStop: superseded, stopMidChunk: urgent)
        }
    }

    /// Stops the reply being written, keeps the engine's cache for the next run, and waits
    /// until the engine's thread is idle (it stops between layers, within milliseconds; the
    /// cache of a full gpt2-xl window is 300 MB to write), or `seconds` pass.
    /// Returns whether the thread is idle.
    @discardableResult
    func shutdown(waitingAtMost seconds: Double) -> Bool {
        stop()
        let idle = DispatchSemaphore(value: 0)
        queue.async { [self] in
            try? engine.saveCache()
            idle.signal()
        }
        return idle.wait(timeout: .now() + seconds) == .success
    }
}
