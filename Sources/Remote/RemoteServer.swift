import Foundation
import Story

/// What a backend said about itself when asked: its API, which program it is, its model
/// and its window.
public struct RemoteServer: Sendable, Equatable {
    public enum Program: String, Sendable {
        case koboldCpp = "KoboldCpp", koboldAI = "KoboldAI", dungeon, llamaCpp = "llama.cpp", vLLM = "vLLM", other = "server"
    }

    public var api: BackendAddress.API
    public var program: Program
    /// The model it serves (the one chosen, where it serves several).
    public var model: String
    /// Its context window in tokens, when it says.
    public var window: Int?
    /// KoboldCpp's streaming and abort endpoints (`/api/extra/…`) are there.
    public var hasExtras: Bool

    /// Asks the server at `address` (a plain address: which API it speaks; either way: its
    /// model and window). `model` picks one of several a server offers.
    static func ask(_ address: BackendAddress, model wanted: String?, connection: HTTPConnection) throws(RemoteError) -> RemoteServer {
        let origin = address.description
        var kobold: RemoteServer?
        if address.api != .openAI {
            kobold = try askKobold(address, connection: connection, required: address.api == .kobold)
        }
        var found = kobold
        if found == nil { found = try askOpenAI(address, model: wanted, connection: connection, required: address.api == .openAI) }
        guard var server = found else { throw .unknownAPI(url: origin) }
        // The name is drawn in the status bar: no control characters, and short.
        let name = message(in: Data(server.model.utf8))
        // llama.cpp names its model by the file it loaded: the file's name is enough.
        let shown = name.lowercased().hasSuffix(".gguf") ? (name.split(separator: "/").last.map(String.init) ?? name) : name
        server.model = shown.isEmpty ? "model" : String(shown.prefix(60))
        if let window = server.window, !(1...10_000_000).contains(window) { server.window = nil }
        return server
    }

    private static func askKobold(_ address: BackendAddress, connection: HTTPConnection, required: Bool) throws(RemoteError) -> RemoteServer? {
        let version = try json(connection, address.url("/api/extra/version"), quiet: true)
        let name = try json(connection, address.url("/api/v1/model"), quiet: !required)
        guard let name, let result = name["result"] as? String else {
            if required { throw .malformed(url: address.description, what: "no model at /api/v1/model") }
            return nil
        }
        var server = RemoteServer(api: .kobold, program: .koboldAI, model: result, window: nil, hasExtras: version != nil)
        if let version {
            server.program = (version["server"] as? String) == "dungeon" ? .dungeon : .koboldCpp
        }
        // KoboldCpp names its model "koboldcpp/NAME".
        if server.model.hasPrefix("koboldcpp/") { server.model.removeFirst("koboldcpp/".count) }
        for path in ["/api/extra/true_max_context_length", "/api/v1/config/max_context_length"] {
            if let value = try json(connection, address.url(path), quiet: true)?["value"] as? Int, value > 0 {
                server.window = value
                break
            }
        }
        return server
    }

    private static func askOpenAI(
        _ address: BackendAddress, model wanted: String?, connection: HTTPConnection, required: Bool
    ) throws(RemoteError) -> RemoteServer? {
        guard let list = try json(connection, address.url("/v1/models"), quiet: !required) else { return nil }
        guard let models = list["data"] as? [[String: Any]] else {
            if required { throw .malformed(url: address.description, what: "no model list at /v1/models") }
            return nil
        }
        let ids = models.compactMap { $0["id"] as? String }
        let chosen: [String: Any]
        if let wanted {
            guard let found = models.first(where: { ($0["id"] as? String) == wanted }) else {
                throw .refused(status: 404, message: "no model \(wanted) here; it serves \(ids.isEmpty ? "none" : ids.joined(separator: ", "))")
            }
            chosen = found
        } else {
            guard let first = models.first else { throw .refused(status: 404, message: "it serves no model") }
            chosen = first
        }
        var server = RemoteServer(api: .openAI, program: .other, model: chosen["id"] as? String ?? "model",
                                  window: chosen["max_model_len"] as? Int, hasExtras: false)
        switch chosen["owned_by"] as? String {
        case "vllm": server.program = .vLLM
        case "dungeon": server.program = .dungeon
        case "llamacpp": server.program = .llamaCpp
        default: break
        }
        // llama.cpp's server says its window under /props.
        if let props = try json(connection, address.url("/props"), quiet: true),
           let settings = props["default_generation_settings"] as? [String: Any] {
            server.program = .llamaCpp
            if server.window == nil { server.window = (settings["n_ctx"] as? Int) ?? (props["n_ctx"] as? Int) }
        }
        if let meta = chosen["meta"] as? [String: Any], server.window == nil {
            server.window = meta["n_ctx_train"] as? Int
        }
        return server
    }

    /// A JSON object from GET `url`; nil (when `quiet`) for a status or body that is not one.
    static func json(_ connection: HTTPConnection, _ url: URL, quiet: Bool) throws(RemoteError) -> [String: Any]? {
        let reply: (status: Int, body: Data)
        do {
            reply = try connection.send("GET", url)
        } catch {
            // A server that cannot be reached at all is said at once, whatever is asked.
            if case .unreachable = error { throw error }
            if case .timedOut = error { throw error }
            if quiet { return nil }
            throw error
        }
        if reply.status == 401 || reply.status == 403 { throw .refused(status: reply.status, message: message(in: reply.body)) }
        guard (200..<300).contains(reply.status),
              let object = try? JSONSerialization.jsonObject(with: reply.body) as? [String: Any] else {
            if quiet { return nil }
            throw .refused(status: reply.status, message: message(in: reply.body))
        }
        return object
    }

    /// The error message in a reply's body, as either API puts it, on one line and cut short.
    static func message(in body: Data) -> String {
        var text = String(decoding: body.prefix(4096), as: UTF8.self)
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
            if let error = object["error"] as? [String: Any], let said = error["message"] as? String { text = said }
            else if let said = object["error"] as? String { text = said }
            else if let detail = object["detail"] as? [String: Any], let said = detail["msg"] as? String { text = said }
            else if let said = object["detail"] as? String { text = said }
        }
        // The story's own sanitizer drops escape sequences whole; the rest goes on one line.
        let line = TextSanitizer.clean(text).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return line.count > 200 ? String(line.prefix(200)) + "…" : line
    }
}
