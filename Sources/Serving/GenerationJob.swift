import Foundation

/// What a job reports while it runs.
public enum JobEvent: Sendable, Equatable {
    /// Text as soon as it is complete (whole UTF-8 characters, never part of a stop sequence).
    case text(String)
    case finished(Completion)
    /// The engine failed (a damaged model); the message is for the client.
    case failed(String)
}

/// One request in the engine's queue: its events as they happen, and a way to stop it.
///
/// `@unchecked Sendable`: `cancelled`, `written`, `outcome` and `waiters` are read and written
/// only under `lock`; the stream's continuation is itself thread-safe.
public final class GenerationJob: @unchecked Sendable {
    public let request: CompletionRequest
    /// Every piece of text, then `.finished` or `.failed`; the stream then ends.
    public let events: AsyncStream<JobEvent>
    private let continuation: AsyncStream<JobEvent>.Continuation
    private let lock = NSLock()
    private var cancelled = false
    private var written = ""
    private var outcome: JobEvent?
    private var waiters: [CheckedContinuation<JobEvent, Never>] = []

    init(request: CompletionRequest) {
        self.request = request
        (events, continuation) = AsyncStream.makeStream(of: JobEvent.self)
    }

    /// Stops the job: a queued job leaves the queue, a running one stops between prompt
    /// chunks or tokens. The completion then says `cancelled`.
    public func cancel() { lock.withLock { cancelled = true } }

    public var isCancelled: Bool { lock.withLock { cancelled } }

    /// The text written so far (KoboldCpp's `/api/extra/generate/check`).
    public var textSoFar: String { lock.withLock { written } }

    func emit(_ piece: String) {
        lock.withLock { written += piece }
        continuation.yield(.text(piece))
    }

    func finish(_ event: JobEvent) {
        continuation.yield(event)
        continuation.finish()
        let waiting = lock.withLock { () -> [CheckedContinuation<JobEvent, Never>] in
            outcome = event
            defer { waiters.removeAll() }
            return waiters
        }
        waiting.forEach { $0.resume(returning: event) }
    }

    /// The last event (`.finished` or `.failed`), once the engine is done with the job. Not
    /// ended by task cancellation, unlike `events`: a handler whose client left still learns
    /// how the job ended (it ends within a layer once cancelled).
    public func finalEvent() async -> JobEvent {
        await withCheckedContinuation { waiter in
            let ready = lock.withLock { () -> JobEvent? in
                if let outcome { return outcome }
                waiters.append(waiter)
                return nil
            }
            if let ready { waiter.resume(returning: ready) }
        }
    }

    /// Waits for the whole completion (a request that does not stream).
    public func completion() async throws -> Completion {
        switch await finalEvent() {
        case .finished(let completion): return completion
        case .failed(let message): throw ServingError.engine(message)
        case .text: throw ServingError.engine("the generation ended without a result")
        }
    }
}
