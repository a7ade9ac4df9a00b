/// How the next token is chosen from the model's logits.
public struct SamplingSettings: Sendable, Codable, Equatable, Hashable {
    /// Divides the logits; below 1 is more predictable, above 1 more adventurous.
    public var temperature: Float
    /// Keep only the `topK` most likely tokens (0 keeps all).
    public var topK: Int
    /// Keep the smallest set of likely tokens whose probability reaches `topP` (1 keeps all).
    public var topP: Float
    /// Penalises tokens already in the recent text (1 is no penalty; GPT-2 likes about 1.1 to 1.2).
    public var repetitionPenalty: Float
    /// How many recent tokens the repetition penalty looks at.
    public var repetitionWindow: Int
    /// Always take the single most likely token (temperature, top-k and top-p are then unused).
    public var greedy: Bool

    public init(
        temperature: Float = 0.8, topK: Int = 40, topP: Float = 0.9,
        repetitionPenalty: Float = 1.15, repetitionWindow: Int = 256, greedy: Bool = false
    ) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.repetitionPenalty = repetitionPenalty
        self.repetitionWindow = repetitionWindow
        self.greedy = greedy
    }

    public static let greedy = SamplingSettings(repetitionPenalty: 1, greedy: true)

    /// A message for the first setting out of range, or nil when all are usable.
    public var problem: String? {
        if !(temperature.isFinite && temperature > 0 && temperature <= 10) { return "temperature must be in (0, 10]" }
        if topK < 0 { return "top-k must be 0 (off) or more" }
        if !(topP > 0 && topP <= 1) { return "top-p must be in (0, 1]" }
        if !(repetitionPenalty.isFinite && repetitionPenalty >= 1 && repetitionPenalty <= 10) {
            return "repetition penalty must be in [1, 10]"
        }
        if repetitionWindow < 0 { return "repetition window must be 0 or more" }
        return nil
    }
}
