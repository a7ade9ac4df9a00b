import Foundation
import Story

/// A story's samplers as request fields, under the names each API's servers read (the
/// names `dungeon serve` reads too: KoboldCpp's, and llama.cpp's and vLLM's aliases).
enum RemoteFields {
    /// The KoboldAI API's `/api/v1/generate` body (`koboldcpp.py`'s `generate`).
    static func kobold(
        prompt: String, settings: GenerationSettings, seed: Any, stopSequences: [String], window: Int, key: String,
        biases: [Int: Double]
    ) -> [String: Any] {
        var body = samplers(settings)
        body["prompt"] = prompt
        body["max_length"] = settings.replyLength
        body["max_context_length"] = window
        body["rep_pen"] = settings.repetitionPenalty
        body["rep_pen_range"] = settings.repetitionRange
        body["tfs"] = settings.tailFree
        body["typical"] = settings.typical
        body["sampler_order"] = koboldOrder(settings.samplerOrder)
        body["sampler_seed"] = seed
        body["stop_sequence"] = stopSequences
        // The story never wants the end of the text: a reply always goes on, as the local engine's does.
        body["ban_eos_token"] = true
        body["banned_tokens"] = settings.bannedPhrases
        if !biases.isEmpty { body["logit_bias"] = Dictionary(uniqueKeysWithValues: biases.map { (String($0.key), $0.value) }) }
        body["genkey"] = key
        body["trim_stop"] = true
        body["quiet"] = true
        return body
    }

    /// The OpenAI API's `/v1/completions` body, with the samplers llama.cpp's server and
    /// vLLM take beside OpenAI's own, and `cache_prompt` so a caching server reads only
    /// what a turn adds.
    static func openAI(
        prompt: String, model: String?, settings: GenerationSettings, seed: Any, stopSequences: [String],
        biases: [Int: Double], stream: Bool, cachePrompt: Bool = true
    ) -> [String: Any] {
        var body = samplers(settings)
        body["prompt"] = prompt
        if let model { body["model"] = model }
        body["max_tokens"] = settings.replyLength
        body["repeat_penalty"] = settings.repetitionPenalty
        body["repetition_penalty"] = settings.repetitionPenalty
        body["repeat_last_n"] = settings.repetitionRange
        body["tfs_z"] = settings.tailFree
        body["typical_p"] = settings.typical
        body["seed"] = seed
        // OpenAI takes at most four stop sequences; the story's own cleanup catches the rest.
        body["stop"] = Array(stopSequences.prefix(4))
        body["ignore_eos"] = true
        if !settings.bannedPhrases.isEmpty { body["banned_strings"] = settings.bannedPhrases }
        if !biases.isEmpty { body["logit_bias"] = Dictionary(uniqueKeysWithValues: biases.map { (String($0.key), $0.value) }) }
        body["stream"] = stream
        body["cache_prompt"] = cachePrompt
        return body
    }

    /// The fields both APIs' servers read under the same names.
    private static func samplers(_ settings: GenerationSettings) -> [String: Any] {
        var body: [String: Any] = [
            "temperature": settings.temperature, "top_k": settings.topK, "top_p": settings.topP, "min_p": settings.minP,
            "top_a": settings.topA, "presence_penalty": settings.presencePenalty, "frequency_penalty": settings.frequencyPenalty,
            "rep_pen_slope": settings.repetitionSlope, "xtc_threshold": settings.xtcThreshold,
            "xtc_probability": settings.xtcProbability,
            // dungeon's own order by name: `dungeon serve` samples exactly as the local engine does.
            "dungeon_sampler_order": settings.samplerOrder.map(\.rawValue),
        ]
        if settings.dryMultiplier > 0 {
            body["dry_multiplier"] = settings.dryMultiplier
            body["dry_base"] = settings.dryBase
            body["dry_allowed_length"] = settings.dryAllowedLength
            body["dry_penalty_last_n"] = settings.dryRange
            body["dry_sequence_breakers"] = settings.drySequenceBreakers
        }
        return body
    }

    /// dungeon's order as KoboldCpp's ids (0 top-k, 1 top-a, 2 tail-free, 3 typical, 4 top-p
    /// and min-p, 5 temperature, 6 the repetition penalty, which dungeon applies first).
    static func koboldOrder(_ steps: [SamplerStep]) -> [Int] {
        let ids: [SamplerStep: Int] = [.topK: 0, .topA: 1, .tailFree: 2, .typical: 3, .topP: 4, .minP: 4, .temperature: 5]
        var order = [6]
        for step in steps { if let id = ids[step], !order.contains(id) { order.append(id) } }
        for id in 0...5 where !order.contains(id) { order.append(id) }
        return order
    }
}
