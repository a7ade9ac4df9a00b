/// How the next token is chosen from the model's logits.
///
/// Every field added after the first four has an "off" value, and that is its default, so
/// settings written before a sampler existed still choose exactly the tokens they chose.
public struct SamplingSettings: Sendable, Codable, Equatable, Hashable {
    /// Divides the logits; below 1 is more predictable, above 1 more adventurous.
    public var temperature: Float
    /// Keep only the `topK` most likely tokens (0 keeps all).
    public var topK: Int
    /// Keep the smallest set of likely tokens whose probability reaches `topP` (1 keeps all).
    public var topP: Float
    /// Penalises tokens already in the recent text (1 is no penalty; GPT-2 likes about 1.1 to 1.2).
    public var repetitionPenalty: Float
    /// How many recent tokens the repetition, presence and frequency penalties look at.
    public var repetitionWindow: Int
    /// Always take the single most likely token (the truncating stages and temperature are then unused).
    public var greedy: Bool

    /// KoboldCpp's slope: tokens only in the older half of the window get
    /// `1 + (repetitionPenalty - 1) * slope`; 1 penalises the whole window alike.
    public var repetitionSlope: Float = 1
    /// Subtracted once from the logit of every token in the window (OpenAI's presence penalty).
    public var presencePenalty: Float = 0
    /// Subtracted from a token's logit once per time it occurs in the window.
    public var frequencyPenalty: Float = 0
    /// Keep tokens at least `minP` times as likely as the most likely one (0 is off).
    public var minP: Float = 0
    /// Locally typical sampling's mass (1 is off).
    public var typicalP: Float = 1
    /// Tail-free sampling's z (1 is off).
    public var tailFree: Float = 1
    /// Top-a: drop tokens less likely than `topA` times the square of the best's probability (0 is off).
    public var topA: Float = 0
    /// Don't Repeat Yourself: penalises the token that would continue a repeated run.
    public var dry = DRYSettings()
    /// Exclude Top Choices: with probability `xtcProbability`, remove every token at least
    /// `xtcThreshold` likely except the least likely of them (probability 0 is off).
    public var xtcThreshold: Float = 0.1
    public var xtcProbability: Float = 0
    /// Added to a token's logit before anything else, by token id.
    public var logitBias: [Int: Float] = [:]
    /// The order of the truncating stages and temperature.
    public var order: [SamplerStage] = SamplerStage.classicOrder

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
        if !(0...1).contains(repetitionSlope) { return "repetition slope must be in [0, 1]" }
        if !(presencePenalty.isFinite && abs(presencePenalty) <= 10) { return "presence penalty must be in [-10, 10]" }
        if !(frequencyPenalty.isFinite && abs(frequencyPenalty) <= 10) { return "frequency penalty must be in [-10, 10]" }
        if !(0...1).contains(minP) { return "min-p must be in [0, 1]" }
        if !(typicalP > 0 && typicalP <= 1) { return "typical must be in (0, 1]" }
        if !(tailFree > 0 && tailFree <= 1) { return "tail-free must be in (0, 1]" }
        if !(0...1).contains(topA) { return "top-a must be in [0, 1]" }
        if let problem = dry.problem { return problem }
        if !(0...1).contains(xtcThreshold) { return "XTC threshold must be in [0, 1]" }
        if !(0...1).contains(xtcProbability) { return "XTC probability must be in [0, 1]" }
        if logitBias.values.contains(where: { !$0.isFinite && $0 != -.infinity }) { return "a logit bias must be a number" }
        if Set(order).count != order.count { return "the sampler order names a stage twice" }
        return nil
    }
}

/// Don't Repeat Yourself (text-generation-webui's definition, as llama.cpp and KoboldCpp
/// implement it): a token that would extend a run of `n >= allowedLength` tokens repeating
/// earlier text loses `multiplier * base^(n - allowedLength)` from its logit.
public struct DRYSettings: Sendable, Codable, Equatable, Hashable {
    /// 0 is off.
    public var multiplier: Float = 0
    public var base: Float = 1.75
    public var allowedLength: Int = 2
    /// How many recent tokens are searched for repeats (0: the whole history).
    public var range: Int = 0
    /// Tokens a repeat may not run across (a line break, a quote mark): text breaks into
    /// passages at them, and a repeated name or phrase in a new passage is not penalised.
    public var sequenceBreakers: Set<Int> = []

    public init(multiplier: Float = 0, base: Float = 1.75, allowedLength: Int = 2, range: Int = 0,
                sequenceBreakers: Set<Int> = []) {
        self.multiplier = multiplier
        self.base = base
        self.allowedLength = allowedLength
        self.range = range
        self.sequenceBreakers = sequenceBreakers
    }

    public var isOn: Bool { multiplier > 0 }

    var problem: String? {
        if !(multiplier.isFinite && multiplier >= 0 && multiplier <= 100) { return "DRY multiplier must be in [0, 100]" }
        if !(base.isFinite && base >= 1 && base <= 10) { return "DRY base must be in [1, 10]" }
        if !(1...100).contains(allowedLength) { return "DRY allowed length must be in [1, 100]" }
        if range < 0 { return "DRY range must be 0 (the whole story) or more" }
        return nil
    }
}

/// A stage that narrows the candidates or reshapes their distribution, applied in the
/// order `SamplingSettings.order` gives. Penalties, DRY, logit bias and banned tokens always
/// come first, over the whole vocabulary, as in llama.cpp.
public enum SamplerStage: String, Sendable, Codable, CaseIterable, Hashable {
    case temperature
    case topK = "top-k"
    case topP = "top-p"
    case minP = "min-p"
    case typical
    case tailFree = "tail-free"
    case topA = "top-a"
    case xtc

    /// dungeon's order before the new samplers: temperature, then top-k and top-p (what old
    /// stories replay with), then the others.
    public static let classicOrder: [SamplerStage] = [.temperature, .topK, .topP, .topA, .typical, .minP, .tailFree, .xtc]
    /// KoboldCpp's default order (`sampler_order` [6, 0, 1, 3, 4, 2, 5]: min-p with top-p, XTC
    /// last), with temperature after the truncating stages.
    public static let koboldOrder: [SamplerStage] = [.topK, .topA, .typical, .topP, .minP, .tailFree, .temperature, .xtc]
}
