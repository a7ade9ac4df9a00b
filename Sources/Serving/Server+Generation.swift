import Foundation
import Hummingbird
import NIOCore

/// How a generation's events become an API's response.
protocol CompletionFormat: Sendable {
    /// The whole completion, for a request that does not stream.
    func body(_ completion: Completion, model: String) -> Any
    /// An event for a piece of text (`finish` nil), or the last one.
    func event(_ text: String, finish: Completion.Finish?, model: String) -> String
    /// What follows the last event (OpenAI's `[DONE]`).
    var trailer: String { get }
}

extension Server {
    /// Reads the body, queues the request, and answers with the whole text or a stream of
    /// events. A client that hangs up stops its generation (or leaves the queue), also while
    /// its prompt is being read.
    static func generate(
        _ request: Request, context: ServeContext, host: EngineHost, log: RequestLog, format: some CompletionFormat,
        parse: (JSONFields) throws(ServingError) -> (CompletionRequest, stream: Bool)
    ) async throws -> Response {
        let flavour = APIFlavour(path: request.uri.path)
        var request = request
        let body = try await collectBody(&request)
        let fields: JSONFields
        let asked: CompletionRequest
        let stream: Bool
        let job: GenerationJob
        do {
            fields = try JSONFields(body: Data(buffer: body))
            (asked, stream) = try parse(fields)
            job = try host.submit(asked)
        } catch {
            context.note.details = error.description
            return flavour.error(error)
        }
        let start = ContinuousClock.now
        let line = "\(request.method) \(request.uri.path)"
        let ignored = fields.ignoredSamplers
        let model = host.modelName
        let original = request

        guard stream else {
            let outcome: Result<Completion, ServingError> = try await original.body.consumeWithInboundCloseHandler { _ in
                do { return .success(try await job.completion()) } catch let error as ServingError { return .failure(error) } catch {
                    return .failure(.engine(String(describing: error)))
                }
            } onInboundClosed: {
                host.withdraw(job)
            }
            switch outcome {
            case .success(let completion):
                context.note.details = RequestLog.describe(completion, seconds: (ContinuousClock.now - start).seconds, ignored: ignored)
                return json(format.body(completion, model: model))
            case .failure(let error):
                context.note.details = error.description
                return flavour.error(error)
            }
        }

        context.note.deferred = true
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var summary = "the client left"
            var events = job.events.makeAsyncIterator()  // one iterator: the stream has one consumer
            do {
                try await original.body.consumeWithInboundCloseHandler { _ in
                    while let event = await events.next() {
                        switch event {
                        case .text(let piece):
                            try await writer.write(ByteBuffer(string: format.event(piece, finish: nil, model: model)))
                        case .finished(let completion):
                            try await writer.write(ByteBuffer(string: format.event("", finish: completion.finish, model: model) + format.trailer))
                            summary = RequestLog.describe(completion, seconds: (ContinuousClock.now - start).seconds, ignored: ignored)
                        case .failed(let message):
                            summary = ServingError.engine(message).description
                            try await writer.write(ByteBuffer(string: "data: " + jsonText(["error": ["message": summary, "type": "server_error"]]) + "\n\n"))
                        }
                    }
                } onInboundClosed: {
                    host.withdraw(job)
                }
                try await writer.finish(nil)
            } catch {
                host.withdraw(job)  // the write failed, or the task was cancelled: the client is gone
                if case .finished(let completion) = await job.finalEvent() {
                    summary = RequestLog.describe(completion, seconds: (ContinuousClock.now - start).seconds, ignored: ignored)
                }
                log.write("\(line) 200 (stream): \(summary)")
                throw error
            }
            log.write("\(line) 200 (stream): \(summary)")
        })
    }
}

extension Server {
    /// The whole body, up to the limit; more is a 413.
    static func collectBody(_ request: inout Request) async throws -> ByteBuffer {
        do {
            return try await request.collectBody(upTo: ServerLimits.bodyBytes)
        } catch is NIOTooManyBytesError {
            throw ServingError.tooLarge(limit: ServerLimits.bodyBytes)
        }
    }
}

/// KoboldCpp's shapes (`koboldcpp.py`: `generate_text`, `handle_sse_stream`).
struct KoboldFormat: CompletionFormat {
    func body(_ completion: Completion, model: String) -> Any {
        ["results": [["text": completion.text, "finish_reason": completion.finish.rawValue]]]
    }

    func event(_ text: String, finish: Completion.Finish?, model: String) -> String {
        "event: message\ndata: " + jsonText(["token": text, "finish_reason": finish?.rawValue ?? "null"]) + "\n\n"
    }

    var trailer: String { "" }
}

/// OpenAI's completions, whole and as `text_completion` chunks.
struct OpenAIFormat: CompletionFormat {
    let id: String
    let created = Int(Date().timeIntervalSince1970)

    func body(_ completion: Completion, model: String) -> Any {
        [
            "id": id, "object": "text_completion", "created": created, "model": model,
            "choices": [["text": completion.text, "index": 0, "logprobs": NSNull(), "finish_reason": completion.finish.rawValue]],
            "usage": ["prompt_tokens": completion.promptTokens, "completion_tokens": completion.generatedTokens,
                      "total_tokens": completion.promptTokens + completion.generatedTokens],
        ]
    }

    func event(_ text: String, finish: Completion.Finish?, model: String) -> String {
        let choice: [String: Any] = ["text": text, "index": 0, "logprobs": NSNull(), "finish_reason": finish.map { $0.rawValue as Any } ?? NSNull()]
        return "data: " + jsonText(["id": id, "object": "text_completion", "created": created, "model": model, "choices": [choice]]) + "\n\n"
    }

    var trailer: String { "data: [DONE]\n\n" }
}
