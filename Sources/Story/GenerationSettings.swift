/// Sampler settings an adventure keeps, and how long a reply may be.
///
/// Every sampler added after the first four decodes as off when a stored adventure or turn
/// lacks it (the classic behaviour), so replaying an old story by its seeds writes the same
/// text; a new adventure starts from a preset (`SamplerPreset`).
public struct GenerationSettings: Sendable, Equatable, Hashable {
    public var temperature: Double
    public var topK: Int
    public var topP: Double
    public var repetitionPenalty: Double
    /// The most tokens a reply may have (a few more may be spent finishing a sentence).
    public var replyLength: Int

    /// How many recent tokens the repetition, presence and frequency penalties look at.
    public var repetitionRange = 256
    /// KoboldCpp's slope: the older half of the range gets a gentler penalty (1: the same).
    public var repetitionSlope = 1.0
    public var presencePenalty = 0.0
    public var frequencyPenalty = 0.0
    public var minP = 0.0
    public var typical = 1.0
    public var tailFree = 1.0
    public var topA = 0.0
    public var dryMultiplier = 0.0
    public var dryBase = 1.75
    public var dryAllowedLength = 2
    /// Tokens DRY searches for repeats (0: the whole window).
    public var dryRange = 0
    /// Text a repeat may not run across (each token containing one of them).
    public var drySequenceBreakers = GenerationSettings.defaultBreakers
    public var xtcThreshold = 0.1
    public var xtcProbability = 0.0
    public var logitBias: [LogitBias] = []
    /// Phrases never written: generation goes back to where one began and tries another word.
    public var bannedPhrases: [String] = []
    /// The order of the truncating samplers and temperature.
    public var samplerOrder = SamplerStep.classicOrder
    /// Whether a reply that slips from "you" into "I" or "we" is retried like a loop; nil
    /// decides from the opening (on for a story told in the second person).
    public var firstPersonGuard: Bool?
    /// Tokens kept every turn for passages recalled from turns that scrolled out of the
    /// window (`/set recall N`, 0 off); nil: `defaultRecallTokens`.
    public var recallTokens: Int?
    /// Chosen by measurement: `RecallStoryTests` plays a 400-turn story at several allowances.
    public static let defaultRecallTokens = 96
    public var recallAllowance: Int { recallTokens ?? Self.defaultRecallTokens }

    public static let defaultBreakers = ["\n", ":", "\"", "*"]

    public init(temperature: Double = 0.8, topK: Int = 40, topP: Double = 0.9,
                repetitionPenalty: Double = 1.15, replyLength: Int = 60) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.repetitionPenalty = repetitionPenalty
        self.replyLength = replyLength
    }

    /// A message for the first setting out of range, or nil when all are usable.
    public var problem: String? {
        if !(temperature > 0 && temperature <= 5) { return "temperature must be between 0 and 5" }
        if !(0...1000).contains(topK) { return "top-k must be between 0 (off) and 1000" }
        if !(topP > 0 && topP <= 1) { return "top-p must be above 0 and at most 1" }
        if !(repetitionPenalty >= 1 && repetitionPenalty <= 3) { return "repetition penalty must be between 1 and 3" }
        if !(1...512).contains(replyLength) { return "reply length must be between 1 and 512 tokens" }
        if !(0...4096).contains(repetitionRange) { return "repetition range must be between 0 and 4096 tokens" }
        if !(repetitionSlope >= 0 && repetitionSlope <= 1) { return "repetition slope must be between 0 and 1" }
        if !(presencePenalty >= -2 && presencePenalty <= 2) { return "presence penalty must be between -2 and 2" }
        if !(frequencyPenalty >= -2 && frequencyPenalty <= 2) { return "frequency penalty must be between -2 and 2" }
        if !(minP >= 0 && minP <= 1) { return "min-p must be between 0 (off) and 1" }
        if !(typical > 0 && typical <= 1) { return "typical must be above 0 and at most 1 (off)" }
        if !(tailFree > 0 && tailFree <= 1) { return "tail-free must be above 0 and at most 1 (off)" }
        if !(topA >= 0 && topA <= 1) { return "top-a must be between 0 (off) and 1" }
        if !(dryMultiplier >= 0 && dryMultiplier <= 10) { return "DRY multiplier must be between 0 (off) and 10" }
        if !(dryBase >= 1 && dryBase <= 4) { return "DRY base must be between 1 and 4" }
        if !(1...20).contains(dryAllowedLength) { return "DRY allowed length must be between 1 and 20 tokens" }
        if !(0...4096).contains(dryRange) { return "DRY range must be between 0 (the whole window) and 4096 tokens" }
        if drySequenceBreakers.count > 64 || drySequenceBreakers.contains(where: { $0.isEmpty || $0.count > 32 }) {
            return "DRY sequence breakers: at most 64, each 1 to 32 characters"
        }
        if !(xtcThreshold >= 0 && xtcThreshold <= 1) { return "XTC threshold must be between 0 and 1" }
        if !(xtcProbability >= 0 && xtcProbability <= 1) { return "XTC probability must be between 0 (off) and 1" }
        if logitBias.count > 1000 { return "at most 1,000 logit biases" }
        if let bad = logitBias.first(where: { $0.problem != nil }) { return bad.problem }
        if bannedPhrases.count > 1000 { return "at most 1,000 banned phrases" }
        if bannedPhrases.contains(where: { $0.trimmingWhitespace.isEmpty || $0.count > 200 }) {
            return "a banned phrase must have 1 to 200 characters and not be only spaces"
        }
        if Set(samplerOrder).count != samplerOrder.count { return "the sampler order names a sampler twice" }
        if !(0...512).contains(recallAllowance) { return "recall must be between 0 (off) and 512 tokens" }
        return nil
    }
}

/// A fixed amount added to a token's logit: `text`'s first token (with and without a leading
/// space), or the token `token` by id. -100 all but bans it; positive values favour it.
public struct LogitBias: Codable, Sendable, Equatable, Hashable {
    public var text: String?
    public var token: Int?
    public var amount: Double

    public init(text: String? = nil, token: Int? = nil, amount: Double) {
        self.text = text
        self.token = token
        self.amount = amount
    }

    var problem: String? {
        if (text == nil) == (token == nil) { return "a logit bias is for a text or a token id" }
        if let text, text.isEmpty { return "a logit bias needs a text" }
        if let token, token < 0 { return "a token id is 0 or more" }
        if !(amount >= -100 && amount <= 100) { return "a logit bias must be between -100 and 100" }
        return nil
    }
}

/// The truncating samplers and temperature, whose order `GenerationSettings.samplerOrder` sets.
public enum SamplerStep: String, Codable, Sendable, CaseIterable, Hashable {
    case temperature
    case topK = "top-k"
    case topP = "top-p"
    case minP = "min-p"
    case typical
    case tailFree = "tail-free"
    case topA = "top-a"
    case xtc

    /// Temperature, top-k and top-p first, as dungeon has always sampled (old stories replay).
    public static let classicOrder: [SamplerStep] = [.temperature, .topK, .topP, .topA, .typical, .minP, .tailFree, .xtc]
    /// KoboldCpp's default order: the truncating samplers, then temperature, then XTC.
    public static let koboldOrder: [SamplerStep] = [.topK, .topA, .typical, .topP, .minP, .tailFree, .temperature, .xtc]

    /// KoboldCpp's `sampler_order` (0 top-k, 1 top-a, 2 tail-free, 3 typical, 4 top-p with
    /// min-p after it, 5 temperature, 6 the repetition penalty) as dungeon's order, XTC last
    /// as KoboldCpp applies it; nil unless each id appears once.
    public static func order(koboldIDs ids: [Int]) -> [SamplerStep]? {
        guard Set(ids) == Set(0...6), ids.count == 7 else { return nil }
        let steps: [Int: [SamplerStep]] = [0: [.topK], 1: [.topA], 2: [.tailFree], 3: [.typical], 4: [.topP, .minP],
                                           5: [.temperature], 6: []]
        return ids.flatMap { steps[$0] ?? [] } + [.xtc]
    }
}

extension GenerationSettings: Codable {
    enum CodingKeys: String, CodingKey {
        case temperature, topK, topP, repetitionPenalty, replyLength
        case repetitionRange, repetitionSlope, presencePenalty, frequencyPenalty, minP, typical, tailFree, topA
        case dryMultiplier, dryBase, dryAllowedLength, dryRange, drySequenceBreakers
        case xtcThreshold, xtcProbability, logitBias, bannedPhrases, samplerOrder, firstPersonGuard
        case recallTokens
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(temperature: try c.decode(Double.self, forKey: .temperature), topK: try c.decode(Int.self, forKey: .topK),
                  topP: try c.decode(Double.self, forKey: .topP),
                  repetitionPenalty: try c.decode(Double.self, forKey: .repetitionPenalty),
                  replyLength: try c.decode(Int.self, forKey: .replyLength))
        // A field missing from an older save is off: the value the struct starts with.
        func take<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let stored = try c.decodeIfPresent(T.self, forKey: key) { value = stored }
        }
        try take(.repetitionRange, &repetitionRange)
        try take(.repetitionSlope, &repetitionSlope)
        try take(.presencePenalty, &presencePenalty)
        try take(.frequencyPenalty, &frequencyPenalty)
        try take(.minP, &minP)
        try take(.typical, &typical)
        try take(.tailFree, &tailFree)
        try take(.topA, &topA)
        try take(.dryMultiplier, &dryMultiplier)
        try take(.dryBase, &dryBase)
        try take(.dryAllowedLength, &dryAllowedLength)
        try take(.dryRange, &dryRange)
        try take(.drySequenceBreakers, &drySequenceBreakers)
        try take(.xtcThreshold, &xtcThreshold)
        try take(.xtcProbability, &xtcProbability)
        try take(.logitBias, &logitBias)
        try take(.bannedPhrases, &bannedPhrases)
        try take(.samplerOrder, &samplerOrder)
        firstPersonGuard = try c.decodeIfPresent(Bool.self, forKey: .firstPersonGuard)
        recallTokens = try c.decodeIfPresent(Int.self, forKey: .recallTokens)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(temperature, forKey: .temperature)
        try c.encode(topK, forKey: .topK)
        try c.encode(topP, forKey: .topP)
        try c.encode(repetitionPenalty, forKey: .repetitionPenalty)
        try c.encode(replyLength, forKey: .replyLength)
        // Only what differs from off, so a classic adventure's rows stay as they were.
        let off = GenerationSettings()
        func put<T: Encodable & Equatable>(_ key: CodingKeys, _ value: T, _ neutral: T) throws {
            if value != neutral { try c.encode(value, forKey: key) }
        }
        try put(.repetitionRange, repetitionRange, off.repetitionRange)
        try put(.repetitionSlope, repetitionSlope, off.repetitionSlope)
        try put(.presencePenalty, presencePenalty, off.presencePenalty)
        try put(.frequencyPenalty, frequencyPenalty, off.frequencyPenalty)
        try put(.minP, minP, off.minP)
        try put(.typical, typical, off.typical)
        try put(.tailFree, tailFree, off.tailFree)
        try put(.topA, topA, off.topA)
        try put(.dryMultiplier, dryMultiplier, off.dryMultiplier)
        try put(.dryBase, dryBase, off.dryBase)
        try put(.dryAllowedLength, dryAllowedLength, off.dryAllowedLength)
        try put(.dryRange, dryRange, off.dryRange)
        try put(.drySequenceBreakers, drySequenceBreakers, off.drySequenceBreakers)
        try put(.xtcThreshold, xtcThreshold, off.xtcThreshold)
        try put(.xtcProbability, xtcProbability, off.xtcProbability)
        try put(.logitBias, logitBias, off.logitBias)
        try put(.bannedPhrases, bannedPhrases, off.bannedPhrases)
        try put(.samplerOrder, samplerOrder, off.samplerOrder)
        try c.encodeIfPresent(firstPersonGuard, forKey: .firstPersonGuard)
        try c.encodeIfPresent(recallTokens, forKey: .recallTokens)
    }
}

extension String {
    var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
