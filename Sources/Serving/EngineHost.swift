import Engine
import Foundation
import GPT2
import Tokenizer

/// The one model, on a thread of its own: requests run one at a time, in the order they
/// came, from a bounded queue.
///
/// One generation at a time is what a CPU can do well (each uses every core), and it lets
/// requests that share a prefix share the KV cache. Generation is long and synchronous, so
/// it runs on a dedicated thread, never on Swift's cooperative pool, which serves the HTTP
/// connections meanwhile.
///
/// `@unchecked Sendable`: `waiting`, `running`, `stopping` and `stats` are touched only
/// under `condition`'s lock; `engine` only on the engine thread.
public final class EngineHost: @unchecked Sendable {
    public let modelName: String
    public let contextLength: Int
    /// Thread-safe (a value): token counts need not wait for the engine.
    public let tokenizer: BPETokenizer
    /// Requests that may wait while one runs; one more is refused with 503.
    public let capacity: Int

    private let engine: TextEngine
    private let condition = NSCondition()
    private var waiting: [GenerationJob] = []
    private var running: GenerationJob?
    private var stopping = false
    private var stats = GenerationStats()
    private let done = DispatchSemaphore(value: 0)

    public init(engine: TextEngine, capacity: Int = 16) {
        self.engine = engine
        self.modelName = engine.name
        self.contextLength = engine.contextLength
        self.tokenizer = engine.tokenizer
        self.capacity = max(1, capacity)
        let thread = Thread { [self] in
            self.serve()
            self.done.signal()
        }
        thread.name = "dungeon engine"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Queues `request`; throws `.busy` when `capacity` requests are already waiting.
    public func submit(_ request: CompletionRequest) throws(ServingError) -> GenerationJob {
        let job = GenerationJob(request: request)
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { throw .stopping }
        guard waiting.count < capacity else { throw .busy(waiting: waiting.count) }
        waiting.append(job)
        condition.signal()
        return job
    }

    /// Stops the generation named `key` (running or waiting); without a key, the running one
    /// if nobody else is waiting (as KoboldCpp does, so one client cannot stop another's).
    /// Returns whether one was stopped.
    @discardableResult
    public func abort(key: String?) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let target: GenerationJob?
        if let key, !key.isEmpty {
            target = running?.request.key == key ? running : waiting.first { $0.request.key == key }
        } else {
            target = waiting.isEmpty ? running : nil
        }
        if let target { stop(target) }
        return target != nil
    }

    /// The text the generation named `key` has written so far ("" when none is running).
    public func textSoFar(key: String?) -> String {
        condition.lock()
        defer { condition.unlock() }
        guard let running, running.request.key == (key?.isEmpty == false ? key : nil) else { return "" }
        return running.textSoFar
    }

    /// Removes a cancelled job from the queue at once, so a client that hung up frees its place.
    public func withdraw(_ job: GenerationJob) {
        condition.lock()
        defer { condition.unlock() }
        stop(job)
    }

    /// Cancels `job`; a waiting one leaves the queue and ends now. Called with the lock held.
    private func stop(_ job: GenerationJob) {
        job.cancel()
        if let index = waiting.firstIndex(where: { $0 === job }) {
            waiting.remove(at: index)
            job.finish(.finished(Self.cancelledBeforeStart(job)))
        }
    }

    /// The numbers KoboldCpp's `/api/extra/perf` reports.
    public var currentStats: GenerationStats {
        condition.lock()
        defer { condition.unlock() }
        var now = stats
        now.waiting = waiting.count
        now.busy = running != nil
        return now
    }

    /// Stops everything: the running generation between chunks or tokens, the queue at once,
    /// and refuses new requests. Returns when the engine thread has finished, or after `wait`.
    public func shutdown(wait: Duration = .seconds(1)) {
        condition.lock()
        stopping = true
        running?.cancel()
        let dropped = waiting
        waiting.removeAll()
        condition.broadcast()
        condition.unlock()
        for job in dropped {
            job.cancel()
            job.finish(.finished(Self.cancelledBeforeStart(job)))
        }
        _ = done.wait(timeout: .now() + .milliseconds(Int(wait.seconds * 1000)))
    }

    private static func cancelledBeforeStart(_ job: GenerationJob) -> Completion {
        Completion(text: "", finish: .length, promptTokens: 0, promptTokensComputed: 0, droppedTokens: 0,
                   generatedTokens: 0, tokensPerSecond: 0, seed: job.request.seed ?? 0, cancelled: true)
    }

    // MARK: - The engine thread

    private func serve() {
        while let job = next() {
            let outcome = run(job)
            condition.lock()
            running = nil
            if case .finished(let completion) = outcome { stats.record(completion) }
            condition.unlock()
            job.finish(outcome)
        }
    }

    private func next() -> GenerationJob? {
        condition.lock()
        defer { condition.unlock() }
        while waiting.isEmpty && !stopping { condition.wait() }
        guard !stopping else { return nil }
        running = waiting.removeFirst()
        return running
    }

    private func run(_ job: GenerationJob) -> JobEvent {
        let asked = job.request
        let window = PromptWindow(contextLength: contextLength, requested: asked.maxContext)
        let replyTokens = window.replyTokens(asked.maxTokens)
        var tokens = tokenizer.encode(asked.prompt)
        let dropped = window.droppedTokens(promptCount: tokens.count, replyTokens: replyTokens)
        tokens.removeFirst(dropped)

        var sampling = engine.sampling(for: asked.settings)
        sampling.greedy = asked.greedy
        let seed = asked.seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        var request = GenerationRequest(maxTokens: replyTokens, sampling: sampling, seed: seed,
                                        stopSequences: asked.stopSequences, stopAtEndOfText: asked.stopAtEndOfText)
        request.bannedPhrases = asked.settings.bannedPhrases
        do {
            let result = try engine.generate(promptTokens: tokens, request: request, shouldStop: { job.isCancelled }) { piece in
                job.emit(piece)
                return !job.isCancelled
            }
            let finish: Completion.Finish = switch result.stopReason {
            case .endOfText, .stopSequence, .bannedPhrase: .stop
            case .maxTokens, .contextFull, .cancelled: .length
            }
            var completion = Completion(
                text: result.text, finish: finish, promptTokens: result.promptTokens,
                promptTokensComputed: result.promptTokensComputed, droppedTokens: dropped,
                generatedTokens: result.tokens.count, tokensPerSecond: result.tokensPerSecond, seed: seed,
                cancelled: result.stopReason == .cancelled)
            completion.promptSeconds = result.promptSeconds
            completion.generationSeconds = result.generationSeconds
            return .finished(completion)
        } catch {
            return .failed(String(describing: error))
        }
    }
}

/// KoboldCpp's performance numbers, for `/api/extra/perf`.
public struct GenerationStats: Sendable, Equatable {
    public var totalGenerations = 0
    public var lastPromptTokens = 0
    public var lastTokenCount = 0
    public var lastTokensPerSecond = 0.0
    public var lastPromptSeconds = 0.0
    public var lastGenerationSeconds = 0.0
    public var lastPromptTokensComputed = 0
    public var lastSeed: UInt64 = 0
    public var lastFinish = Completion.Finish.length
    public var waiting = 0
    public var busy = false

    mutating func record(_ completion: Completion) {
        totalGenerations += 1
        lastPromptTokens = completion.promptTokens
        lastTokenCount = completion.generatedTokens
        lastTokensPerSecond = completion.tokensPerSecond
        lastPromptSeconds = completion.promptSeconds
        lastGenerationSeconds = completion.generationSeconds
        lastPromptTokensComputed = completion.promptTokensComputed
        lastSeed = completion.seed
        lastFinish = completion.finish
    }
}
