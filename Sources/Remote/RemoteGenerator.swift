import Foundation
import Story
import Tokenizer

/// A model on another machine, behind the KoboldAI or the OpenAI API: the story talks to
/// it as to the local engine. Replies stream piece by piece; stopping closes the stream
/// and, where the server has it, aborts the generation there too.
///
/// `@unchecked Sendable`: the mutable state (`counts`, `serial`, the refused fields) is
/// touched only under `lock`; `stopCheck`, `cachePrompt` and `lastPromptTokensComputed` are
/// set and read on the one thread that generates (the game's engine queue).
public final class RemoteGenerator: TextGenerator, @unchecked Sendable {
    public let address: BackendAddress
    public let server: RemoteServer
    public let contextLength: Int
    /// How this generator counts tokens.
    public let counting: Counting
    /// Asked while waiting for the server: true stops the request (Esc, Ctrl-C, quitting).
    public var stopCheck: (@Sendable () -> Bool)?
    /// Ask a server that caches prompts (llama.cpp's) to keep this one: off only to measure.
    public var cachePrompt = true
    /// The last generation's prompt tokens the server computed, where it says (llama.cpp's
    /// `timings`, `dungeon serve`'s `/api/extra/perf`).
    public private(set) var lastPromptTokensComputed: Int?

    public enum Counting: Sendable, Equatable {
        /// The server's model tokenizes as GPT-2 does: counted here, exactly.
        case gpt2
        /// Asked of the server, once per text.
        case server
        /// Neither: an estimate with a margin (the context inspector says so).
        case estimate
    }

    private let connection: HTTPConnection
    private let tokenizer: BPETokenizer?
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    private var serial = 0
    /// Touched only through `withLock`.
    var rejectedFields: Set<String> = []
    var unreportedFields: [String] = []

    func withLock<T>(_ body: () -> T) -> T { lock.withLock(body) }

    public var modelName: String { server.model }

    /// Connects to the backend at `address`: asks which API it speaks (unless named), its
    /// model and window, and whether it tokenizes as `tokenizer` (GPT-2's) does.
    /// `window` overrides the server's; a server that does not say needs it.
    public init(
        address: BackendAddress, apiKey: String?, model: String?, timeout: Double, window: Int?, tokenizer: BPETokenizer?
    ) throws(RemoteError) {
        self.address = address
        connection = HTTPConnection(timeout: timeout, apiKey: apiKey)
        server = try RemoteServer.ask(address, model: model, connection: connection)
        guard let size = window ?? server.window, size > 0 else {
            throw .badAddress("\(address) does not say how many tokens its model reads; give --context N")
        }
        contextLength = size
        self.tokenizer = tokenizer
        counting = Self.counting(server: server, address: address, connection: connection, tokenizer: tokenizer)
    }

    // MARK: Counting

    public func tokenCount(_ text: String) -> Int {
        switch counting {
        case .gpt2:
            return tokenizer?.encode(text).count ?? Self.estimate(text)
        case .estimate:
            return Self.estimate(text)
        case .server:
            if let known = lock.withLock({ counts[text] }) { return known }
            guard let ids = try? Self.serverTokens(text, server: server, address: address, connection: connection) else {
                return Self.estimate(text)
            }
            lock.withLock {
                if counts.count > 4096 { counts.removeAll() }
                counts[text] = ids.count
            }
            return ids.count
        }
    }

    /// Tokens as GPT-2 would count English, with a margin for a tokenizer that splits more:
    /// one for every three bytes.
    static func estimate(_ text: String) -> Int { (text.utf8.count + 2) / 3 }

    private static let probe = "The dragon's hoard: 1,024 coins, a café sign and 🐉! \"Run,\" she says.\n> You run."

    private static func counting(
        server: RemoteServer, address: BackendAddress, connection: HTTPConnection, tokenizer: BPETokenizer?
    ) -> Counting {
        guard let ids = try? serverTokens(probe, server: server, address: address, connection: connection) else { return .estimate }
        if let tokenizer, tokenizer.encode(probe) == ids { return .gpt2 }
        return .server
    }

    /// The server's tokens for `text`: KoboldCpp's `/api/extra/tokencount`, llama.cpp's and
    /// vLLM's `/tokenize`.
    private static func serverTokens(
        _ text: String, server: RemoteServer, address: BackendAddress, connection: HTTPConnection
    ) throws -> [Int] {
        let (path, body): (String, [String: Any]) = switch (server.api, server.program) {
        case (.kobold, _), (_, .dungeon): ("/api/extra/tokencount", ["prompt": text])
        case (_, .vLLM): ("/tokenize", ["model": server.model, "prompt": text, "add_special_tokens": false])
        default: ("/tokenize", ["content": text, "add_special": false])
        }
        let reply = try connection.send("POST", address.url(path), json: body)
        guard (200..<300).contains(reply.status),
              let object = try JSONSerialization.jsonObject(with: reply.body) as? [String: Any],
              let ids = (object["ids"] ?? object["tokens"]) as? [Int] else {
            throw RemoteError.malformed(url: address.description, what: "no token ids")
        }
        return ids
    }

    // MARK: Generating

    public func generate(
        prompt: String, settings: GenerationSettings, seed: UInt64, stopSequences: [String], onText: (String) -> Bool
    ) throws -> GeneratedText {
        let key = lock.withLock { () -> String in
            serial += 1
            return "dungeon-\(ProcessInfo.processInfo.processIdentifier)-\(serial)"
        }
        var streaming = connection
        let stopCheck = self.stopCheck
        streaming.shouldStop = { stopCheck?() ?? false }
        let sentSeed: Any = server.program == .dungeon ? String(seed) : Int(seed & 0x7FFF_FFFF)
        let biases = logitBiases(settings.logitBias)
        var (path, body): (String, [String: Any]) = switch server.api {
        case .kobold:
            (server.hasExtras ? "/api/extra/generate/stream" : "/api/v1/generate",
             RemoteFields.kobold(prompt: prompt, settings: settings, seed: sentSeed, stopSequences: stopSequences,
                                 window: contextLength, key: key, biases: biases))
        case .openAI:
            ("/v1/completions",
             RemoteFields.openAI(prompt: prompt, model: server.model, settings: settings, seed: sentSeed,
                                 stopSequences: stopSequences, biases: biases, stream: true, cachePrompt: cachePrompt))
        }
        var firstPiece: ContinuousClock.Instant?
        var reply = ReplyReader(api: server.api, streamed: server.api == .openAI || server.hasExtras, origin: address.description)
        var stopped = false
        var status = 0
        // A server that refuses a field it does not know (OpenAI's own does) gets the request
        // again without it; the field is left out from then on, and said once.
        for _ in 0..<40 {
            body = body.filter { !isRejected($0.key) }
            reply = ReplyReader(api: server.api, streamed: server.api == .openAI || server.hasExtras, origin: address.description)
            status = try send(path, body, reply: &reply, stopped: &stopped, firstPiece: &firstPiece, streaming: streaming, onText: onText)
            guard [400, 422].contains(status), reject(in: RemoteServer.message(in: reply.errorBody), sent: Array(body.keys)) else { break }
        }
        if stopped || (streaming.shouldStop() && !reply.finished) {
            abort(key: key)
            return GeneratedText(text: reply.text, tokenCount: reply.pieces, cancelled: true)
        }
        guard (200..<300).contains(status) else { throw RemoteError.refused(status: status, message: RemoteServer.message(in: reply.errorBody)) }
        if let failure = reply.failure { throw failure }
        for piece in try reply.finish() where !piece.isEmpty {
            if !onText(piece) { return GeneratedText(text: reply.text, tokenCount: reply.pieces, cancelled: true) }
        }
        guard reply.finished || !reply.streamed else { throw RemoteError.dropped(url: address.description) }
        lastPromptTokensComputed = reply.promptTokensComputed
        // Writing speed, as the local engine reports it: from the first piece, the prompt's reading left out.
        let seconds = firstPiece.map { (ContinuousClock.now - $0) / .seconds(1) } ?? 0
        let tokens = tokenCount(reply.text)
        return GeneratedText(text: reply.text, tokenCount: tokens,
                             tokensPerSecond: seconds > 0 ? Double(max(0, tokens - 1)) / seconds : 0)
    }

    /// One request for the reply, its pieces handed on as they come.
    private func send(
        _ path: String, _ body: [String: Any], reply: inout ReplyReader, stopped: inout Bool,
        firstPiece: inout ContinuousClock.Instant?, streaming: HTTPConnection, onText: (String) -> Bool
    ) throws -> Int {
        try streaming.stream("POST", address.url(path), json: body) { status, data in
            guard (200..<300).contains(status) else { return reply.collectError(data) }
            do {
                for piece in try reply.push(data) where !piece.isEmpty {
                    if firstPiece == nil { firstPiece = .now }
                    if !onText(piece) {
                        stopped = true
                        return false
                    }
                }
            } catch {
                reply.failure = error as? RemoteError ?? .malformed(url: address.description, what: "\(error)")
                return false
            }
            return !reply.finished
        }
    }

    /// Reads `prompt` into the server's cache while the player reads and types, where the
    /// server keeps one, so the turn's request reads only the action: llama.cpp's server with
    /// a prompt-only request (`n_predict: 0`, `cache_prompt`); `dungeon serve`, which keeps
    /// the last prompt's cache, with a one-token request whose token is thrown away. A newer
    /// request (`shouldStop`) closes it; the server stops reading when its client leaves.
    /// Returns how many tokens the server computed, where it says.
    @discardableResult
    public func readAhead(prompt: String, shouldStop: () -> Bool) throws -> Int {
        let (path, body): (String, [String: Any])
        switch server.program {
        case .llamaCpp: (path, body) = ("/completion", ["prompt": prompt, "n_predict": 0, "cache_prompt": true])
        case .dungeon: (path, body) = ("/api/v1/generate", ["prompt": prompt, "max_length": 1, "max_context_length": contextLength,
                                                           "sampler_seed": "0", "quiet": true])
        default: return 0
        }
        return try withoutActuallyEscaping(shouldStop) { stop in
            var reading = connection
            reading.shouldStop = stop
            let reply = try reading.send("POST", address.url(path), json: body)
            guard (200..<300).contains(reply.status),
                  let object = try? JSONSerialization.jsonObject(with: reply.body) as? [String: Any] else { return 0 }
            return object["tokens_evaluated"] as? Int ?? 0
        }
    }

    /// How much of the last prompt the server computed: from its events (llama.cpp), or
    /// asked (`dungeon serve`'s `/api/extra/perf`); nil where it does not say.
    public func askPromptTokensComputed() -> Int? {
        if let lastPromptTokensComputed { return lastPromptTokensComputed }
        guard server.program == .dungeon, server.api == .kobold else { return nil }
        let perf = try? RemoteServer.json(connection, address.url("/api/extra/perf"), quiet: true)
        return perf?["last_prompt_tokens_computed"] as? Int
    }

    /// Tells a KoboldCpp server to stop the generation `key` names; closing the stream alone
    /// leaves some servers writing to nobody.
    private func abort(key: String) {
        guard server.api == .kobold, server.hasExtras else { return }
        var quick = connection
        quick.timeout = min(connection.timeout, 2)
        _ = try? quick.send("POST", address.url("/api/extra/abort"), json: ["genkey": key])
    }

    /// Logit biases by token id; one given as text needs GPT-2's tokenizer, which is exact
    /// only when the server's model tokenizes as GPT-2 does.
    private func logitBiases(_ biases: [LogitBias]) -> [Int: Double] {
        var byToken: [Int: Double] = [:]
        for bias in biases {
            if let token = bias.token {
                byToken[token, default: 0] += bias.amount
            } else if let text = bias.text, !text.isEmpty, counting == .gpt2, let tokenizer {
                for variant in Set([text, text.first == " " ? String(text.dropFirst()) : " " + text]) {
                    if let first = tokenizer.encode(variant).first { byToken[first, default: 0] += bias.amount }
                }
            }
        }
        return byToken
    }
}
