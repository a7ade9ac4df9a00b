import Foundation
import Hummingbird

extension Server {
    /// The KoboldAI API as KoboldCpp serves it (`koboldcpp.py`, `ServerRequestHandler`).
    static func addKoboldRoutes(to router: Router<ServeContext>, host: EngineHost, log: RequestLog, protected: Bool) {
        router.get("/api/v1/model") { _, _ in
            json(["result": "koboldcpp/" + host.modelName])
        }
        router.get("/api/v1/info/version") { _, _ in json(["result": "1.2.5"]) }
        // Front ends (KoboldAI Lite, SillyTavern, Agnaistic) turn on streaming and the extra
        // endpoints when this says KoboldCpp; "1.76" is the API level served here (the
        // koboldcpp.py these routes follow). `server` says what is really answering.
        router.get("/api/extra/version") { _, _ in
            json(["result": "KoboldCpp", "version": "1.76", "protected": protected, "txt2img": false, "vision": false,
                  "transcribe": false, "server": "dungeon"])
        }
        router.get("/api/v1/config/max_context_length") { _, _ in json(["value": host.contextLength]) }
        router.get("/api/extra/true_max_context_length") { _, _ in json(["value": host.contextLength]) }
        router.get("/api/v1/config/max_length") { _, _ in json(["value": 180]) }
        router.get("/api/extra/perf") { _, _ in
            let stats = host.currentStats
            // KoboldCpp's seconds for reading the prompt and writing the text; the prompt's
            // counts are dungeon's own (how much the cache saved).
            return json(["last_process": stats.lastPromptSeconds, "last_eval": stats.lastGenerationSeconds,
                         "last_token_count": stats.lastTokenCount, "last_prompt_tokens": stats.lastPromptTokens,
                         "last_prompt_tokens_computed": stats.lastPromptTokensComputed, "last_seed": stats.lastSeed,
                         "total_gens": stats.totalGenerations, "stop_reason": stats.lastFinish == .stop ? 1 : 0,
                         "queue": stats.waiting, "idle": stats.busy ? 0 : 1])
        }

        router.post("/api/v1/generate") { request, context in
            try await generate(request, context: context, host: host, log: log, format: KoboldFormat()) { fields throws(ServingError) in
                (try CompletionRequest(kobold: fields), false)
            }
        }
        router.post("/api/extra/generate/stream") { request, context in
            try await generate(request, context: context, host: host, log: log, format: KoboldFormat()) { fields throws(ServingError) in
                (try CompletionRequest(kobold: fields), true)
            }
        }
        let check: @Sendable (Request, ServeContext) async throws -> Response = { request, _ in
            let key = try await optionalFields(request)?.string("genkey")
            return json(["results": [["text": host.textSoFar(key: key)]]])
        }
        router.get("/api/extra/generate/check", use: check)
        router.post("/api/extra/generate/check", use: check)
        router.post("/api/extra/abort") { request, _ in
            let key = try await optionalFields(request)?.string("genkey")
            let stopped = host.abort(key: key)
            return json(["success": stopped ? "true" : "false", "done": stopped ? "true" : "false"])
        }
        router.post("/api/extra/tokencount") { request, _ in
            let text = try await requiredFields(request).string("prompt") ?? ""
            let ids = host.tokenizer.encode(text)
            return json(["value": ids.count, "ids": ids])
        }
        router.post("/api/extra/tokenize") { request, _ in
            let text = try await requiredFields(request).string("prompt") ?? ""
            let ids = host.tokenizer.encode(text)
            return json(["value": ids.count, "ids": ids])
        }
        router.post("/api/extra/detokenize") { request, _ in
            let ids = try await requiredFields(request).integers("ids") ?? []
            let size = host.tokenizer.vocabularySize
            guard let bad = ids.first(where: { !(0..<size).contains($0) }) else {
                return json(["result": host.tokenizer.decode(ids), "success": true])
            }
            throw ServingError.badRequest("ids: \(bad) is not a token id (the vocabulary has \(size))")
        }
    }

    /// A body that must be a JSON object.
    static func requiredFields(_ request: Request) async throws -> JSONFields {
        var request = request
        let body = try await collectBody(&request)
        return try JSONFields(body: Data(buffer: body))
    }

    /// A body that may be empty or not JSON (KoboldCpp ignores a bad one on abort and check).
    static func optionalFields(_ request: Request) async throws -> JSONFields? {
        var request = request
        let body = try await collectBody(&request)
        return try? JSONFields(body: Data(buffer: body))
    }
}
