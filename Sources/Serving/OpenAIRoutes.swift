import Foundation
import Hummingbird

extension Server {
    /// OpenAI's completions API: the model list and `/v1/completions`.
    static func addOpenAIRoutes(to router: Router<ServeContext>, host: EngineHost, log: RequestLog) {
        let started = Int(Date().timeIntervalSince1970)
        let counter = Counter()
        router.get("/v1/models") { _, _ in
            // `max_model_len` as vLLM reports it: the window, for a client that budgets.
            json(["object": "list", "data": [["id": host.modelName, "object": "model", "created": started,
                                              "owned_by": "dungeon", "max_model_len": host.contextLength]]])
        }
        router.post("/v1/completions") { request, context in
            let format = OpenAIFormat(id: "cmpl-\(counter.next())")
            return try await generate(request, context: context, host: host, log: log, format: format) { fields throws(ServingError) in
                (try CompletionRequest(openAI: fields), try fields.bool("stream") ?? false)
            }
        }
    }
}

/// Numbers completions.
///
/// `@unchecked Sendable`: `value` is touched only under `lock`.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func next() -> Int { lock.withLock { value += 1; return value } }
}
