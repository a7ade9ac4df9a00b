import GPT2
import Story

extension TextEngine: TextGenerator {
    public var modelName: String { name }

    public func tokenCount(_ text: String) -> Int { countTokens(text) }

    public func generate(
        prompt: String, settings: GenerationSettings, seed: UInt64, stopSequences: [String],
        onText: (String) -> Bool
    ) throws -> GeneratedText {
        // The story never wants <|endoftext|>: it is banned, so a reply always goes on.
        var request = GenerationRequest(maxTokens: settings.replyLength, sampling: sampling(for: settings), seed: seed,
                                        stopSequences: stopSequences, stopAtEndOfText: false)
        request.bannedPhrases = settings.bannedPhrases
        let result = try generate(prompt: prompt, request: request, onText: onText)
        return GeneratedText(text: result.text, tokenCount: result.tokens.count,
                             tokensPerSecond: result.tokensPerSecond, cancelled: result.stopReason == .cancelled,
                             rewinds: result.rewinds)
    }

    /// The story's settings in the sampler's terms: text turned into tokens.
    public func sampling(for settings: GenerationSettings) -> SamplingSettings {
        var sampling = SamplingSettings(
            temperature: Float(settings.temperature), topK: settings.topK, topP: Float(settings.topP),
            repetitionPenalty: Float(settings.repetitionPenalty), repetitionWindow: settings.repetitionRange)
        sampling.repetitionSlope = Float(settings.repetitionSlope)
        sampling.presencePenalty = Float(settings.presencePenalty)
        sampling.frequencyPenalty = Float(settings.frequencyPenalty)
        sampling.minP = Float(settings.minP)
        sampling.typicalP = Float(settings.typical)
        sampling.tailFree = Float(settings.tailFree)
        sampling.topA = Float(settings.topA)
        if settings.dryMultiplier > 0 {
            sampling.dry = DRYSettings(multiplier: Float(settings.dryMultiplier), base: Float(settings.dryBase),
                                       allowedLength: settings.dryAllowedLength, range: settings.dryRange,
                                       sequenceBreakers: breakerTokens(settings.drySequenceBreakers))
        }
        sampling.xtcThreshold = Float(settings.xtcThreshold)
        sampling.xtcProbability = Float(settings.xtcProbability)
        for bias in settings.logitBias {
            for token in biasTokens(bias) { sampling.logitBias[token, default: 0] += Float(bias.amount) }
        }
        sampling.order = settings.samplerOrder.compactMap { SamplerStage(rawValue: $0.rawValue) }
        return sampling
    }

    /// The tokens a logit bias applies to: its token id, or the first token of its text
    /// written as given and after a space (" dragon" and "dragon" are different tokens).
    func biasTokens(_ bias: Story.LogitBias) -> Set<Int> {
        if let token = bias.token { return token < model.config.vocabularySize ? [token] : [] }
        guard let text = bias.text, !text.isEmpty else { return [] }
        var tokens = Set<Int>()
        for variant in [text, text.first == " " ? String(text.dropFirst()) : " " + text] {
            if let first = tokenizer.encode(variant).first { tokens.insert(first) }
        }
        return tokens
    }
}
