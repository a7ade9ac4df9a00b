import GPT2

/// What to generate: how much, how, and when to stop.
public struct GenerationRequest: Sendable, Equatable {
    public var maxTokens: Int
    public var sampling: SamplingSettings
    public var seed: UInt64
    /// Generation stops before any of these strings; it is not part of the result.
    public var stopSequences: [String]
    /// Stop at `<|endoftext|>` (otherwise it is banned and generation goes on).
    public var stopAtEndOfText: Bool
    /// Phrases never to write (ASCII case ignored): when the text ends in one, generation
    /// goes back to where it began and bans that token there.
    public var bannedPhrases: [String] = []
    /// Rewinds allowed before giving up, ending the text where the phrase began.
    public var maxRewinds = 20

    public init(
        maxTokens: Int = 80, sampling: SamplingSettings = SamplingSettings(), seed: UInt64 = 0,
        stopSequences: [String] = [], stopAtEndOfText: Bool = true
    ) {
        self.maxTokens = maxTokens
        self.sampling = sampling
        self.seed = seed
        self.stopSequences = stopSequences
        self.stopAtEndOfText = stopAtEndOfText
    }
}

/// What a generation produced, and how fast.
public struct GenerationResult: Sendable, Equatable {
    public enum StopReason: Sendable, Equatable {
        case maxTokens, endOfText, stopSequence, cancelled, contextFull
        /// A banned phrase came back after every rewind allowed.
        case bannedPhrase
    }

    public var text: String
    /// Every sampled token, including any whose text was cut by a stop sequence.
    public var tokens: [Int]
    public var stopReason: StopReason
    public var promptTokens: Int
    /// Prompt tokens actually run (the rest came from the KV cache).
    public var promptTokensComputed: Int
    public var promptSeconds: Double
    public var generationSeconds: Double
    /// Of `generationSeconds`, the time spent choosing tokens from the logits.
    public var samplerSeconds: Double = 0
    /// How many times a banned phrase sent generation back.
    public var rewinds = 0

    public var tokensPerSecond: Double {
        generationSeconds > 0 ? Double(tokens.count) / generationSeconds : 0
    }
}
