import Foundation
import GPT2
import Tokenizer

/// GPT-2 with its tokenizer: text in, streamed text out.
///
/// Owns one inference session, so it reuses the KV cache for whatever prefix a new
/// prompt shares with the previous one. Not `Sendable`: one engine per generating task.
public final class TextEngine {
    public let model: GPT2Model
    public let tokenizer: BPETokenizer
    public let name: String
    /// The cache the next generation reads from.
    private(set) var session: InferenceSession
    /// A second cache, for the prompt the story will have once its old turns drop out
    /// (`readAhead(prompt:upcoming:shouldStop:)`), made the first time one is read. A
    /// prompt that shares more with it than with `session` swaps the two.
    private var standby: InferenceSession?
    /// Hears how far a long prompt has been read: (tokens read, tokens to read), after each
    /// chunk once reading has taken half a second, so a short wait shows nothing. Set by the
    /// one thread that uses the engine.
    public var promptProgress: ((_ done: Int, _ total: Int) -> Void)?
    /// Prompt tokens the last generation computed (the rest came from the cache).
    public private(set) var lastPromptTokensComputed = 0
    /// How long reading a prompt may take before `promptProgress` hears of it.
    public var promptProgressDelay: Duration = .milliseconds(500)
    /// Asked between layers by every `generate` not given its own `shouldStop`: the game's
    /// worker sets it to its stop flag, so quitting never waits out a chunk of the prompt.
    public var stopCheck: (() -> Bool)?
    /// Where `saveCache` keeps the cache between runs: in the user's cache folder for a model
    /// loaded from a folder (`init(directory:)`), nil otherwise.
    public var savedCache: SavedCacheLocation?
    /// `breakerTokens` answers, by list.
    var breakerCache: [[String]: Set<Int>] = [:]

    public init(model: GPT2Model, tokenizer: BPETokenizer, name: String) {
        self.model = model
        self.tokenizer = tokenizer
        self.name = name
        self.session = InferenceSession(model: model)
    }

    /// Loads a Hugging Face GPT-2 folder: config, safetensors weights and tokenizer files,
    /// at `precision` (default: the one a player would choose for the model's size).
    public convenience init(directory: URL, precision: Precision? = nil) throws {
        let files = ModelFiles(directory)
        // The tokenizer's files are parsed on another core while the weights load: on a warm
        // start the two take about as long as each other.
        let tokenizerLoad = BackgroundWork { try Self.loadTokenizer(files) }
        let model = try GPT2Model(directory: directory, precision: precision)
        let tokenizer = try tokenizerLoad.result()
        guard tokenizer.vocabularySize <= model.config.vocabularySize else {
            throw CheckpointError.invalidConfig(
                path: directory.appendingPathComponent("config.json").path,
                reason: "vocab_size \(model.config.vocabularySize) is smaller than the tokenizer's \(tokenizer.vocabularySize) tokens")
        }
        self.init(model: model, tokenizer: tokenizer, name: files.name)
        savedCache = Self.savedCacheLocation(directory: directory, precision: model.precision)
    }

    private static func loadTokenizer(_ files: ModelFiles) throws -> BPETokenizer {
        guard let gguf = files.ggufFile else {
            return try BPETokenizer(directory: files.folder)  // the files beside the weights
        }
        // A GGUF file carries its own vocabulary.
        let vocabulary = try GPT2Model.ggufVocabulary(at: gguf)
        return try BPETokenizer(vocabulary: vocabulary.ids, mergeLines: vocabulary.merges.map { Substring($0) },
                                vocabularyPath: gguf.path)
    }

    public var contextLength: Int { model.config.contextLength }

    /// Computes the cache for `prompt` ahead of need; a later `generate` whose prompt starts
    /// with it computes only what follows. Then, with the time left, reads `upcoming` (the text
    /// the prompt will start with once old turns drop out, `ContextPrompt.upcoming`) into a
    /// second cache, so the turn that drops them finds most of its prompt read. Stops between
    /// chunks when `shouldStop` says so, and between layers when `stopMidChunk` does (default:
    /// `shouldStop`), keeping the chunks it finished.
    /// Returns how many of `prompt`'s tokens it computed.
    @discardableResult
    public func readAhead(prompt: String, upcoming: String? = nil, shouldStop: () -> Bool,
                          stopMidChunk: (() -> Bool)? = nil) throws -> Int {
        let tokens = tokenizer.encode(prompt)
        useCacheSharingMost(with: tokens)
        let computed = try session.readAhead(tokens, shouldStop: shouldStop, stopMidChunk: stopMidChunk)
        if let upcoming, !shouldStop() {
            let second = standby ?? InferenceSession(model: model)
            standby = second
            try second.readAhead(tokenizer.encode(upcoming), shouldStop: shouldStop, stopMidChunk: stopMidChunk)
        }
        return computed
    }

    /// Makes `session` whichever of the two caches keeps more of `prompt`.
    private func useCacheSharingMost(with prompt: [Int]) {
        guard let second = standby, second.reusableLength(for: prompt) > session.reusableLength(for: prompt) else { return }
        standby = session
        session = second
    }

    public func countTokens(_ text: String) -> Int { tokenizer.encode(text).count }

    /// Generates a continuation of `prompt`, calling `onText` with each piece as soon as it is
    /// complete text; `onText` returns false to stop (the result is then `.cancelled`).
    /// The prompt is cut from the front if prompt and `maxTokens` would not fit the window.
    public func generate(
        prompt: String, request: GenerationRequest, onText: (String) -> Bool = { _ in true }
    ) throws -> GenerationResult {
        try generate(promptTokens: tokenizer.encode(prompt), request: request, onText: onText)
    }

    /// `shouldStop` (or, when nil, `stopCheck`) is asked between layers while the prompt is
    /// read and each token written: a player who quits, a server's client that hung up. When
    /// it says so, the result is `.cancelled` with the text so far; what was read stays cached.
    public func generate(
        promptTokens: [Int], request: GenerationRequest, shouldStop: (() -> Bool)? = nil,
        onText: (String) -> Bool = { _ in true }
    ) throws -> GenerationResult {
        let endOfText = tokenizer.endOfTextID ?? model.config.vocabularySize - 1
        var prompt = promptTokens.isEmpty ? [endOfText] : promptTokens
        let room = max(1, contextLength - max(0, request.maxTokens))
        if prompt.count > room { prompt = Array(prompt.suffix(room)) }

        useCacheSharingMost(with: prompt)
        let reused = session.reusableLength(for: prompt)
        let clock = ContinuousClock()
        let promptStart = clock.now
        let (report, delay) = (promptProgress, promptProgressDelay)
        // Asked between layers while the prompt is read and each token written.
        session.stopCheck = shouldStop ?? stopCheck
        defer { session.stopCheck = nil }
        var logits: [Float]
        do {
            logits = try session.prefill(prompt) { done, total in
                if clock.now - promptStart >= delay { report?(done, total) }
            }
        } catch InferenceError.stopped {
            return GenerationResult(
                text: "", tokens: [], stopReason: .cancelled, promptTokens: prompt.count,
                promptTokensComputed: max(0, session.tokens.count - reused),
                promptSeconds: (clock.now - promptStart).seconds, generationSeconds: 0)
        }
        let promptElapsed = clock.now - promptStart
        lastPromptTokensComputed = prompt.count - reused

        var sampler = Sampler(settings: request.sampling, seed: request.seed,
                              banned: request.stopAtEndOfText ? [] : [endOfText], contextLength: contextLength)
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        var watch = PhraseBanWatch(phrases: request.bannedPhrases)
        var filter = StopSequenceFilter(stops: request.stopSequences)
        var text = ""
        var generated: [Int] = []
        // Tokens a phrase ban took back, by the position they may not be chosen at again.
        var bans: [Int: Set<Int>] = [:]
        var rewinds = 0
        var reason = GenerationResult.StopReason.maxTokens
        var samplerTime = Duration.zero
        let promptCount = session.tokens.count
        let generationStart = clock.now

        func emit(_ piece: String) -> Bool {
            guard !piece.isEmpty else { return true }
            text += piece
            return onText(piece)
        }

        while generated.count < request.maxTokens {
            let sampleStart = clock.now
            let banned = bans[generated.count] ?? []
            let token = sampler.sample(consuming: &logits, history: session.tokens[...], alsoBanned: banned)
            samplerTime += clock.now - sampleStart
            if banned.contains(token) {
                // Every possible token here was banned: give up where the phrase began,
                // keeping (and showing) everything written before it.
                _ = emit(filter.push(watch.finish()))
                reason = .bannedPhrase
                break
            }
            generated.append(token)
            if token == endOfText && request.stopAtEndOfText {
                generated.removeLast()
                reason = .endOfText
                break
            }
            watch.append(decoder.append(token))
            if let start = watch.match() {
                rewinds += 1
                guard rewinds <= request.maxRewinds else {
                    generated.removeLast(generated.count - start)
                    _ = emit(filter.push(watch.release(beforeToken: start)))
                    reason = .bannedPhrase
                    break
                }
                // Back to where the phrase began; its first token may not be chosen there again.
                bans = bans.filter { $0.key <= start }
                bans[start, default: []].insert(generated[start])
                generated.removeLast(generated.count - start)
                watch.rewind(toToken: start)
                decoder = StreamingDecoder(tokenizer: tokenizer)
                for kept in generated { _ = decoder.append(kept) }
                let before = session.tokens[promptCount + start - 1]
                session.rewind(to: promptCount + start - 1)
                do {
                    logits = try session.append([before])
                } catch InferenceError.stopped {
                    reason = .cancelled
                    break
                }
                continue
            }
            if !emit(filter.push(watch.release())) {
                reason = .cancelled
                break
            }
            if filter.stopped {
                reason = .stopSequence
                break
            }
            guard generated.count < request.maxTokens else { break }
            guard session.tokens.count < contextLength else {
                reason = .contextFull
                break
            }
            do {
                logits = try session.append([token])
            } catch InferenceError.stopped {
                reason = .cancelled
                break
            }
        }
        if reason != .cancelled && reason != .stopSequence && reason != .bannedPhrase {
            watch.append(decoder.finish())
            _ = emit(filter.push(watch.finish()))
            _ = emit(filter.finish())
        } else if reason == .bannedPhrase {
            _ = emit(filter.finish())
        }
        let generationElapsed = clock.now - generationStart
        return GenerationResult(
            text: text, tokens: generated, stopReason: reason, promptTokens: prompt.count,
            promptTokensComputed: prompt.count - reused,
            promptSeconds: promptElapsed.seconds, generationSeconds: generationElapsed.seconds,
            samplerSeconds: samplerTime.seconds, rewinds: rewinds)
    }
}

extension Duration {
    /// The duration in seconds, for rates and reports.
    public var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) * 1e-18
    }
}

/// Work started on another thread, its result (or error) collected later.
///
/// `@unchecked Sendable`: `outcome` is written once, on the worker thread, before the
/// semaphore is signalled, and read only after waiting for it.
private final class BackgroundWork<Value: Sendable>: @unchecked Sendable {
    private var outcome: Result<Value, any Error>?
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () throws -> Value) {
        DispatchQueue.global(qos: .userInitiated).async {
            self.outcome = Result(catching: work)
            self.done.signal()
        }
    }

    /// Waits for the work; returns its value or throws its error.
    func result() throws -> Value {
        done.wait()
        return try outcome!.get()
    }
}

extension TextEngine {
    /// Every token whose text contains one of `breakers`: what llama.cpp treats as a
    /// single-token sequence breaker. Computed once per list (a pass over the vocabulary).
    public func breakerTokens(_ breakers: [String]) -> Set<Int> {
        if let known = breakerCache[breakers] { return known }
        let tokens = Engine.breakerTokens(breakers, tokenizer: tokenizer)
        breakerCache[breakers] = tokens
        return tokens
    }
}

/// The tokens of `tokenizer` whose bytes contain one of `breakers`.
func breakerTokens(_ breakers: [String], tokenizer: BPETokenizer) -> Set<Int> {
    let patterns = breakers.map { Array($0.utf8) }.filter { !$0.isEmpty }
    var tokens = Set<Int>()
    for token in 0..<tokenizer.vocabularySize {
        let bytes = tokenizer.bytes(of: token)
        if patterns.contains(where: { pattern in
            bytes.count >= pattern.count && (0...(bytes.count - pattern.count)).contains { bytes[$0..<($0 + pattern.count)].elementsEqual(pattern) }
        }) { tokens.insert(token) }
    }
    return tokens
}
