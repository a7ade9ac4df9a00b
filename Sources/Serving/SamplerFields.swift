import Foundation
import Story

/// The sampler fields of a request, under the names KoboldCpp reads (and the aliases
/// llama.cpp's server, vLLM and text-generation-webui use), over an API's defaults.
struct SamplerFields {
    var settings: GenerationSettings
    var greedy = false
    private let json: JSONFields

    /// KoboldCpp's defaults for a field the request leaves out (`koboldcpp.py`'s `generate`).
    static var koboldDefaults: GenerationSettings {
        var settings = GenerationSettings(temperature: 0.7, topK: 100, topP: 0.92, repetitionPenalty: 1, replyLength: 180)
        settings.repetitionRange = 320
        settings.dryRange = 320
        settings.drySequenceBreakers = []
        settings.xtcThreshold = 0.2
        settings.samplerOrder = SamplerStep.koboldOrder
        return settings
    }

    /// OpenAI's: temperature 1 and top-p 1, nothing else on; the same order as KoboldCpp's,
    /// so a request means the same through either API.
    static var openAIDefaults: GenerationSettings {
        var settings = koboldDefaults
        settings.temperature = 1
        settings.topK = 0
        settings.topP = 1
        return settings
    }

    /// Reads every sampler field present over `defaults`; a value of the wrong type, or out
    /// of the range dungeon's samplers take, is a 400 that names the field.
    init(_ json: JSONFields, defaults: GenerationSettings) throws(ServingError) {
        self.json = json
        settings = defaults
        if let temperature = try json.number("temperature") {
            // KoboldCpp and OpenAI both read a temperature of 0 (or less) as greedy.
            if temperature <= 0 { greedy = true } else { try set("temperature") { $0.temperature = temperature } }
        }
        try number("top_k") { $0.topK = Int($1) }
        try number("top_p") { $0.topP = $1 }
        try number("min_p") { $0.minP = $1 }
        try number("top_a") { $0.topA = $1 }
        // 0 means off for typical and tail-free in the programs that send them.
        try number("typical", "typical_p") { $0.typical = $1 <= 0 ? 1 : $1 }
        try number("tfs", "tfs_z") { $0.tailFree = $1 <= 0 ? 1 : $1 }
        // KoboldCpp takes the largest of its three names for the repetition penalty.
        var penalty: Double?
        for key in ["rep_pen", "repetition_penalty", "repeat_penalty"] {
            if let value = try json.number(key) { penalty = max(penalty ?? value, value) }
        }
        if let penalty { try set("rep_pen") { $0.repetitionPenalty = penalty } }
        try number("rep_pen_range", "repeat_last_n") { $0.repetitionRange = max(0, Int($1)) }
        try number("rep_pen_slope") { $0.repetitionSlope = $1 }
        try number("presence_penalty") { $0.presencePenalty = $1 }
        try number("frequency_penalty") { $0.frequencyPenalty = $1 }
        try number("dry_multiplier") { $0.dryMultiplier = $1 }
        try number("dry_base") { $0.dryBase = $1 }
        try number("dry_allowed_length") { $0.dryAllowedLength = Int($1) }
        try number("dry_penalty_last_n") { $0.dryRange = max(0, Int($1)) }
        try breakers()
        try number("xtc_threshold") { $0.xtcThreshold = $1 }
        try number("xtc_probability") { $0.xtcProbability = $1 }
        try order()
        try biases()
        try bans()
    }

    private mutating func set(_ key: String, _ apply: (inout GenerationSettings) -> Void) throws(ServingError) {
        var trial = settings
        apply(&trial)
        if let problem = trial.problem { throw .badRequest("\(key): \(problem)") }
        settings = trial
    }

    /// The first of `keys` present, applied; whole-number settings reject fractions.
    private mutating func number(_ keys: String..., apply: (inout GenerationSettings, Double) -> Void) throws(ServingError) {
        for key in keys {
            guard let value = try json.number(key) else { continue }
            guard abs(value) < 1e9 else { throw .badRequest("\(key) is out of range") }
            try set(key) { apply(&$0, value) }
            return
        }
    }

    /// DRY's breakers: a list, or (as SillyTavern sends them) a JSON-encoded list.
    private mutating func breakers() throws(ServingError) {
        let key = "dry_sequence_breakers"
        var list: [String]?
        if let text = json.values[key] as? String {
            list = try JSONFields(["v": (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) ?? text]).strings("v")
        } else {
            list = try json.strings(key)
        }
        guard let list else { return }
        try set(key) { $0.drySequenceBreakers = list.filter { !$0.isEmpty } }
    }

    private mutating func order() throws(ServingError) {
        // dungeon's own order by name (its remote client sends it), over KoboldCpp's ids.
        if let names = try json.strings("dungeon_sampler_order") {
            let steps = names.compactMap(SamplerStep.init(rawValue:))
            guard steps.count == names.count, Set(steps).count == steps.count else {
                throw .badRequest("dungeon_sampler_order names each of dungeon's samplers at most once")
            }
            settings.samplerOrder = steps
            return
        }
        guard let ids = try json.integers("sampler_order") else { return }
        guard let steps = SamplerStep.order(koboldIDs: ids) else {
            throw .badRequest("sampler_order must list each of KoboldCpp's samplers 0 to 6 once")
        }
        settings.samplerOrder = steps
    }

    /// `logit_bias` (token id → bias) and KoboldCpp's `custom_token_bans` ("1, 2, 3").
    private mutating func biases() throws(ServingError) {
        var biases = (try json.tokenNumbers("logit_bias") ?? []).map { LogitBias(token: $0.0, amount: max(-100, min(100, $0.1))) }
        if let bans = try json.string("custom_token_bans") {
            for part in bans.split(separator: ",") {
                if let token = Int(part.trimmingCharacters(in: .whitespaces)), token >= 0 {
                    biases.append(LogitBias(token: token, amount: -100))
                }
            }
        }
        guard !biases.isEmpty else { return }
        try set("logit_bias") { $0.logitBias = biases }
    }

    /// Phrases never to write: KoboldCpp's `banned_tokens`, SillyTavern's `banned_strings`.
    private mutating func bans() throws(ServingError) {
        let tokens = try json.strings("banned_tokens")
        let strings = try json.strings("banned_strings")
        let phrases = (tokens ?? strings ?? [])
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard !phrases.isEmpty else { return }
        try set("banned_strings") { $0.bannedPhrases = phrases }
    }
}
