import Foundation

/// Reads a generation's reply as it arrives: KoboldCpp's events (`{"token": …}`), OpenAI's
/// (`{"choices": [{"text": …}]}` up to `[DONE]`), or a whole KoboldAI reply.
struct ReplyReader {
    let api: BackendAddress.API
    /// Events; otherwise one JSON body.
    let streamed: Bool
    let origin: String
    private(set) var text = ""
    private(set) var pieces = 0
    /// The server said the reply is over.
    private(set) var finished = false
    /// The prompt tokens the server computed, where its events say (llama.cpp's `timings`).
    private(set) var promptTokensComputed: Int?
    /// What went wrong inside a reply that started well.
    var failure: RemoteError?
    /// The body of a refusal, kept for its message.
    private(set) var errorBody = Data()
    private var events = EventStream()
    private var whole = Data()

    init(api: BackendAddress.API, streamed: Bool, origin: String) {
        self.api = api
        self.streamed = streamed
        self.origin = origin
    }

    /// Keeps a refusal's body (up to 64 KB); returns whether to read on.
    mutating func collectError(_ data: Data) -> Bool {
        errorBody.append(data.prefix(max(0, 65_536 - errorBody.count)))
        return errorBody.count < 65_536
    }

    /// The text pieces `data` completes.
    mutating func push(_ data: Data) throws(RemoteError) -> [String] {
        guard streamed else {
            whole.append(data)
            guard whole.count <= HTTPConnection.largestReply else { throw .malformed(url: origin, what: "a reply over 16 MB") }
            return []
        }
        let payloads: [String]
        do {
            payloads = try events.push(data)
        } catch {
            throw .malformed(url: origin, what: "an event over 1 MB")
        }
        var pieces: [String] = []
        for payload in payloads { pieces += try read(payload) }
        return pieces
    }

    /// The pieces left when the body ends.
    mutating func finish() throws(RemoteError) -> [String] {
        guard streamed else {
            guard let object = try? JSONSerialization.jsonObject(with: whole) as? [String: Any],
                  let results = object["results"] as? [[String: Any]], let first = results.first?["text"] as? String else {
                throw .malformed(url: origin, what: "no results[0].text")
            }
            finished = true
            return [add(first)]
        }
        var pieces: [String] = []
        for payload in events.finish() { pieces += try read(payload) }
        return pieces
    }

    private mutating func read(_ payload: String) throws(RemoteError) -> [String] {
        guard !finished else { return [] }
        if payload.trimmingCharacters(in: .whitespaces) == "[DONE]" {
            finished = true
            return []
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any] else {
            throw .malformed(url: origin, what: "an event that is not JSON")
        }
        if object["error"] != nil {
            throw .refused(status: 500, message: RemoteServer.message(in: Data(payload.utf8)))
        }
        if let timings = object["timings"] as? [String: Any], let computed = timings["prompt_n"] as? Int {
            promptTokensComputed = computed
        }
        let piece: String?, reason: String?
        switch api {
        case .kobold:
            piece = object["token"] as? String
            reason = object["finish_reason"] as? String
        case .openAI:
            let choice = (object["choices"] as? [[String: Any]])?.first
            piece = choice?["text"] as? String
            reason = choice?["finish_reason"] as? String
        }
        guard let piece else { throw .malformed(url: origin, what: api == .kobold ? "an event without a token" : "an event without choices[0].text") }
        // KoboldCpp's last event carries its finish reason; OpenAI's is followed by [DONE].
        if api == .kobold, let reason, reason != "null" { finished = true }
        return [add(piece)]
    }

    private mutating func add(_ piece: String) -> String {
        text += piece
        if !piece.isEmpty { pieces += 1 }
        return piece
    }
}
