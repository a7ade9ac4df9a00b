import GPT2
import Story

extension TextEngine: TextGenerator {
    public var modelName: String { name }

    public func tokenCount(_ text: String) -> Int { countTokens(text) }

    public func generate(
        prompt: String, settings: GenerationSettings, seed: UInt64, stopSequences: [String],
        onText: (String) -> Bool
    ) throws -> GeneratedText {
        let sampling = SamplingSettings(
            temperature: Float(settings.temperature), topK: settings.topK, topP: Float(settings.topP),
            repetitionPenalty: Float(settings.repetitionPenalty))
        // The story never wants <|endoftext|>: it is banned, so a reply always goes on.
        let request = GenerationRequest(maxTokens: settings.replyLength, sampling: sampling, seed: seed,
                                        stopSequences: stopSequences, stopAtEndOfText: false)
        let result = try generate(prompt: prompt, request: request, onText: onText)
        return GeneratedText(text: result.text, tokenCount: result.tokens.count,
                             tokensPerSecond: result.tokensPerSecond, cancelled: result.stopReason == .cancelled)
    }
}
