import Story

/// A request for text, whichever API it came through: the prompt, how much to write, the
/// samplers, and when to stop.
public struct CompletionRequest: Sendable, Equatable {
    public var prompt: String
    /// The most tokens to write.
    public var maxTokens: Int
    /// The window the client counts with (KoboldAI's `max_context_length`); the model's own
    /// when absent or larger.
    public var maxContext: Int?
    /// The samplers, as a story keeps them (`replyLength` is unused: `maxTokens` rules).
    public var settings: GenerationSettings
    /// Always take the most likely token (a temperature of 0).
    public var greedy = false
    /// nil: a random seed, reported in the completion.
    public var seed: UInt64?
    /// Text that ends the reply; it is not part of it.
    public var stopSequences: [String] = []
    /// Stop at `<|endoftext|>`; otherwise it is banned (KoboldAI's `ban_eos_token`).
    public var stopAtEndOfText = true
    /// KoboldCpp's `genkey`: names the generation for `/api/extra/abort` and `/check`.
    public var key: String?

    public init(prompt: String, maxTokens: Int, settings: GenerationSettings) {
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.settings = settings
    }
}

/// What a request produced.
public struct Completion: Sendable, Equatable {
    /// Why the text ended, in both APIs' words.
    public enum Finish: String, Sendable {
        /// `<|endoftext|>`, a stop sequence or a banned phrase.
        case stop
        /// `maxTokens`, the window, or the client stopping it.
        case length
    }

    public var text: String
    public var finish: Finish
    /// Prompt tokens given to the model, after any cut.
    public var promptTokens: Int
    /// Of those, the ones computed (the rest came from the cache).
    public var promptTokensComputed: Int
    /// Tokens cut from the front of a prompt too long for the window.
    public var droppedTokens: Int
    public var generatedTokens: Int
    public var tokensPerSecond: Double
    /// Reading the prompt, and writing the text.
    public var promptSeconds = 0.0
    public var generationSeconds = 0.0
    public var seed: UInt64
    /// Stopped by the client (abort, or hanging up).
    public var cancelled: Bool
}
