/// Runs GPT-2 over a growing sequence of tokens, keeping each layer's keys and values
/// (the KV cache) so that each new token costs one row, not the whole prompt again.
///
/// A session is mutable and owned by one generator at a time; it is not `Sendable`.
public final class InferenceSession {
    public let model: GPT2Model
    /// The tokens whose keys and values are in the cache, in order.
    public internal(set) var tokens: [Int] = []

    let config: GPT2Config
    var keyCache: [UnsafeMutableRawPointer]    // per layer (H, P, D) in cacheFormat
    var valueCache: [UnsafeMutableRawPointer]  // per layer (H, P, D) in cacheFormat
    /// The KV cache's numbers: F32 when the weights are F32 or F16 (so those match the
    /// reference implementations exactly), F16 with 8-bit and 4-bit weights, where it halves
    /// the cache's memory and what attention reads deep in a story, as llama.cpp's does.
    let cacheFormat: WeightFormat
    private var scratch: Scratch

    /// Rows processed per pass over the prompt; bounds the scratch memory.
    public let chunkRows: Int
    /// Asked between layers: when it says stop, the pass ends with `InferenceError.stopped`
    /// and the cache keeps the tokens of the passes that finished. A chunk of a long prompt
    /// can take a second on a big model; a layer takes a few milliseconds.
    public var stopCheck: (() -> Bool)?

    public init(model: GPT2Model, chunkRows: Int = 256) {
        self.model = model
        self.chunkRows = max(1, chunkRows)
        self.config = model.config
        cacheFormat = model.precision == .q8 || model.precision == .q4 ? .f16 : .f32
        let cacheBytes = cacheFormat.byteCount(elements: config.contextLength * config.hiddenSize)
        keyCache = (0..<config.layerCount).map { _ in .allocate(byteCount: cacheBytes, alignment: 64) }
        valueCache = (0..<config.layerCount).map { _ in .allocate(byteCount: cacheBytes, alignment: 64) }
        scratch = Scratch(config: config, rows: min(self.chunkRows, config.contextLength))
    }

    deinit {
        keyCache.forEach { $0.deallocate() }
        valueCache.forEach { $0.deallocate() }
    }

    /// Forgets the cached positions after the first `count`, so the sequence can continue
    /// from there (after an undo, or when a new prompt shares only a prefix).
    public func rewind(to count: Int) {
        tokens.removeLast(max(0, tokens.count - max(0, count)))
    }

    public func reset() { tokens.removeAll() }

    /// Makes the cache hold exactly `prompt`, reusing the longest cached common prefix,
    /// and returns the logits for the token after the prompt.
    /// `progress` hears (tokens read, tokens to read) after each chunk.
    public func prefill(_ prompt: [Int], progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> [Float] {
        guard !prompt.isEmpty else { throw InferenceError.emptyInput }
        rewind(to: reusableLength(for: prompt))
        return try append(Array(prompt[tokens.count...]), allLogits: false, progress: progress)
    }

    /// Reads `prompt` into the cache before it is needed (while the player types), keeping
    /// the longest cached common prefix. Works in chunks of `chunkRows` (at most the
    /// session's) and stops between chunks as soon as `shouldStop` says so, keeping what it
    /// read: a later `prefill` of a prompt that starts with it computes only the rest.
    /// `stopMidChunk` (default: `shouldStop`) is asked between layers: what cannot wait for
    /// the chunk to end (a reply asked for), the chunk then dropped.
    /// Returns how many tokens it computed.
    @discardableResult
    public func readAhead(_ prompt: [Int], chunkRows: Int = 64, shouldStop: () -> Bool,
                          stopMidChunk: (() -> Bool)? = nil) throws -> Int {
        let prompt = Array(prompt.prefix(config.contextLength))
        if let bad = prompt.first(where: { $0 < 0 || $0 >= config.vocabularySize }) {
            throw InferenceError.invalidToken(bad, vocabularySize: config.vocabularySize)
        }
        let common = cachedPrefixLength(of: prompt)
        rewind(to: common)
        let step = max(1, min(chunkRows, self.chunkRows))
        withoutActuallyEscaping(shouldStop) { shouldStop in
            withoutActuallyEscaping(stopMidChunk ?? shouldStop) { stopMidChunk in
                let outer = stopCheck
                stopCheck = stopMidChunk
                defer { stopCheck = outer }
                while tokens.count < prompt.count && !shouldStop() {
                    let end = min(tokens.count + step, prompt.count)
                    do {
                        _ = try forward(Array(prompt[tokens.count..<end]), logitRows: 0)
                    } catch {
                        break  // stopped between layers: the chunk is not kept
                    }
                }
            }
        }
        return tokens.count - common
    }

    /// How many of `prompt`'s tokens `prefill` takes from the cache: the longest common
    /// prefix, less one when the whole prompt matches (a token must run to give logits).
    public func reusableLength(for prompt: [Int]) -> Int {
        min(cachedPrefixLength(of: prompt), max(0, prompt.count - 1))
    }

    /// How many of `prompt`'s first tokens the cache holds.
    private func cachedPrefixLength(of prompt: [Int]) -> Int {
        var common = 0
        while common < min(tokens.count, prompt.count) && tokens[common] == prompt[common] { common += 1 }
        return common
    }

    /// Runs `newTokens` after the cached ones and returns the logits (V) for the next token.
    public func append(_ newTokens: [Int]) throws -> [Float] {
        try append(newTokens, allLogits: false)
    }

    /// Runs `newTokens` and returns the logits of every new position, (T, V) flattened.
    /// Costs a vocabulary projection per row; the game needs only the last (`append`).
    public func appendReturningAllLogits(_ newTokens: [Int]) throws -> [Float] {
        try append(newTokens, allLogits: true)
    }

    private func append(_ newTokens: [Int], allLogits: Bool, progress: ((Int, Int) -> Void)? = nil) throws -> [Float] {
        guard !newTokens.isEmpty else { throw InferenceError.emptyInput }
        guard tokens.count + newTokens.count <= config.contextLength else {
            throw InferenceError.contextFull(position: tokens.count, adding: newTokens.count, limit: config.contextLength)
        }
        if let bad = newTokens.first(where: { $0 < 0 || $0 >= config.vocabularySize }) {
            throw InferenceError.invalidToken(bad, vocabularySize: config.vocabularySize)
        }
        var logits = [Float]()
        var offset = 0
        while offset < newTokens.count {
            let chunk = Array(newTokens[offset..<min(offset + chunkRows, newTokens.count)])
            let isLast = offset + chunk.count == newTokens.count
            let chunkLogits = try forward(chunk, logitRows: allLogits ? chunk.count : (isLast ? 1 : 0))
            logits += chunkLogits
            offset += chunk.count
            progress?(offset, newTokens.count)
        }
        // NaN or infinite weights (a damaged checkpoint) poison every logit; say so on the
        // first pass rather than sample noise. The last position's logits always exist.
        if logits.suffix(config.vocabularySize).contains(where: { !$0.isFinite }) {
            throw InferenceError.nonFiniteOutput(position: tokens.count - 1)
        }
        return logits
    }

    /// One pass of the transformer over `chunk` at the end of the cache.
    /// Returns the logits of the last `logitRows` rows.
    private func forward(_ chunk: [Int], logitRows: Int) throws -> [Float] {
        let weights = model.weights
        let (t, c, f) = (chunk.count, config.hiddenSize, config.feedForwardSize)
        let (heads, headSize, capacity) = (config.headCount, config.headSize, config.contextLength)
        let start = tokens.count
        let s = scratch

        for (row, token) in chunk.enumerated() {
            let x = s.residual + row * c
            Kernels.row(x, of: weights.tokenEmbedding, at: token)
            Kernels.add(x, weights.positionEmbedding + (start + row) * c, count: c)
        }

        for (layer, w) in weights.layers.enumerated() {
            // Keys and values written for positions past `tokens` are overwritten by the next pass.
            if let stopCheck, stopCheck() { throw InferenceError.stopped }
            Kernels.layerNorm(s.normed, s.residual, gain: w.attentionNormGain, bias: w.attentionNormBias,
                              rows: t, size: c, epsilon: config.layerNormEpsilon)
            Kernels.linear(s.qkv, s.normed, weight: w.qkv, bias: w.qkvBias, rows: t)
            Kernels.storeKeysAndValues(s.qkv, keys: keyCache[layer], values: valueCache[layer], format: cacheFormat,
                                       rows: t, start: start, heads: heads, headSize: headSize, capacity: capacity)
            Kernels.attention(s.attention, qkv: s.qkv, keys: keyCache[layer], values: valueCache[layer],
                              format: cacheFormat, rows: t, start: start, heads: heads, headSize: headSize,
                              capacity: capacity)
            Kernels.linear(s.projected, s.attention, weight: w.attentionOut, bias: w.attentionOutBias, rows: t)
            Kernels.add(s.residual, s.projected, count: t * c)

            Kernels.layerNorm(s.normed, s.residual, gain: w.mlpNormGain, bias: w.mlpNormBias,
                              rows: t, size: c, epsilon: config.layerNormEpsilon)
            Kernels.linear(s.hidden, s.normed, weight: w.mlpUp, bias: w.mlpUpBias, rows: t)
            Kernels.gelu(s.hidden, count: t * f)
            Kernels.linear(s.projected, s.hidden, weight: w.mlpDown, bias: w.mlpDownBias, rows: t)
            Kernels.add(s.residual, s.projected, count: t * c)
        }
        tokens += chunk

        guard logitRows > 0 else { return [] }
        let v = config.vocabularySize
        let firstRow = t - logitRows
        Kernels.layerNorm(s.normed, s.residual + firstRow * c, gain: weights.finalNormGain,
                          bias: weights.finalNormBias, rows: logitRows, size: c, epsilon: config.layerNormEpsilon)
        return [Float](unsafeUninitializedCapacity: logitRows * v) { buffer, count in
            Kernels.linear(buffer.baseAddress!, s.normed, weight: weights.outputProjection, bias: nil, rows: logitRows)
            count = logitRows * v
        }
    }
}

/// Activations for up to `rows` positions at a time, allocated once per session.
private final class Scratch {
    let residual, normed, qkv, attention, projected, hidden: UnsafeMutablePointer<Float>

    init(config: GPT2Config, rows: Int) {
        let (c, f) = (config.hiddenSize, config.feedForwardSize)
        residual = .allocate(capacity: rows * c)   // (T, C)
        normed = .allocate(capacity: rows * c)     // (T, C)
        qkv = .allocate(capacity: rows * 3 * c)    // (T, 3C)
        attention = .allocate(capacity: rows * c)  // (T, C)
        projected = .allocate(capacity: rows * c)  // (T, C)
        hidden = .allocate(capacity: rows * f)     // (T, F)
    }

    deinit {
        [residual, normed, qkv, attention, projected, hidden].forEach { $0.deallocate() }
    }
}
