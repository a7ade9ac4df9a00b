import Story

/// Fields a request may carry that dungeon does not implement; they are ignored (as a
/// server ignores any field it does not know), and the request log names them.
let unsupportedSamplerFields = ["mirostat", "mirostat_mode", "dynatemp_range", "smoothing_factor", "grammar"]

extension CompletionRequest {
    /// A KoboldAI `/api/v1/generate` body, read as KoboldCpp reads it (`koboldcpp.py`,
    /// `generate`): `memory` goes before the prompt; defaults are KoboldCpp's.
    init(kobold json: JSONFields) throws(ServingError) {
        let prompt = try json.string("prompt") ?? ""
        let memory = try json.string("memory") ?? ""
        let samplers = try SamplerFields(json, defaults: SamplerFields.koboldDefaults)
        let maxLength = try json.integer("max_length") ?? 180
        guard maxLength >= 1 else { throw .badRequest("max_length must be at least 1") }
        self.init(prompt: memory + prompt, maxTokens: maxLength, settings: samplers.settings)
        greedy = samplers.greedy
        if let context = try json.integer("max_context_length") {
            guard context >= 1 else { throw .badRequest("max_context_length must be at least 1") }
            maxContext = context
        }
        seed = try json.seed("sampler_seed")
        stopSequences = try json.strings("stop_sequence") ?? []
        let banEndOfText = try json.bool("ban_eos_token")
        let badWords = try json.bool("use_default_badwordsids")
        stopAtEndOfText = !(banEndOfText ?? badWords ?? false)
        key = try json.string("genkey")
        try checkStops()
    }

    /// An OpenAI `/v1/completions` body: `prompt` a string (or a list of one), `max_tokens`
    /// (16 when absent, as OpenAI's), `stop`, `seed`, `n` and `best_of` of 1, and any of
    /// KoboldCpp's sampler fields.
    init(openAI json: JSONFields) throws(ServingError) {
        let prompts = try json.strings("prompt") ?? [""]
        guard prompts.count == 1 else { throw .badRequest("prompt: one prompt per request (a list of one string at most)") }
        let samplers = try SamplerFields(json, defaults: SamplerFields.openAIDefaults)
        let maxTokens = try json.integer("max_tokens") ?? 16
        guard maxTokens >= 1 else { throw .badRequest("max_tokens must be at least 1") }
        self.init(prompt: prompts[0], maxTokens: maxTokens, settings: samplers.settings)
        greedy = samplers.greedy
        for key in ["n", "best_of"] {
            if let count = try json.integer(key), count != 1 { throw .badRequest("\(key): only 1 is supported") }
        }
        if let logprobs = try json.integer("logprobs"), logprobs > 0 { throw .badRequest("logprobs are not supported") }
        if try json.bool("echo") == true { throw .badRequest("echo is not supported") }
        if let suffix = try json.string("suffix"), !suffix.isEmpty { throw .badRequest("suffix is not supported") }
        seed = try json.seed("seed")
        stopSequences = try json.strings("stop") ?? []
        stopAtEndOfText = !(try json.bool("ignore_eos") ?? false)
        try checkStops()
    }

    private func checkStops() throws(ServingError) {
        guard stopSequences.count <= 64, !stopSequences.contains(where: { $0.count > 256 }) else {
            throw .badRequest("stop sequences: at most 64, each at most 256 characters")
        }
    }
}

extension JSONFields {
    /// The unsupported fields this request sets, for the log.
    var ignoredSamplers: [String] {
        unsupportedSamplerFields.filter { key in
            guard let value = values[key] else { return false }
            if let number = value as? Double { return number != 0 }
            if let text = value as? String { return !text.isEmpty }
            return false
        }
    }
}
