/// Counts tokens exactly as the model will see them.
public protocol TokenCounter {
    func tokenCount(_ text: String) -> Int
}

/// What the story needs from a language model: a window size and streamed continuations.
/// The GPT-2 engine implements it; tests use deterministic fakes.
public protocol TextGenerator: TokenCounter {
    /// The model's context window in tokens; a prompt plus its reply never exceed it.
    var contextLength: Int { get }
    /// A short name for the status bar.
    var modelName: String { get }

    /// Continues `prompt`, calling `onText` with each new piece; `onText` returns false to stop.
    func generate(
        prompt: String, settings: GenerationSettings, seed: UInt64, stopSequences: [String],
        onText: (String) -> Bool
    ) throws -> GeneratedText
}

/// A raw continuation, before cleanup.
public struct GeneratedText: Sendable, Equatable {
    public var text: String
    public var tokenCount: Int
    public var tokensPerSecond: Double
    /// True when the player stopped the generation.
    public var cancelled: Bool
    /// How many times a banned phrase sent the generation back.
    public var rewinds: Int

    public init(text: String, tokenCount: Int, tokensPerSecond: Double = 0, cancelled: Bool = false, rewinds: Int = 0) {
        self.text = text
        self.tokenCount = tokenCount
        self.tokensPerSecond = tokensPerSecond
        self.cancelled = cancelled
        self.rewinds = rewinds
    }
}
