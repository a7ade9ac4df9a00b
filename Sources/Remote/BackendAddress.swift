import Foundation

/// Where a remote backend is and which API it speaks: `kobold+http://host:5001`,
/// `openai+https://host/v1`, or a plain URL whose API is found by asking the server.
public struct BackendAddress: Sendable, Equatable, CustomStringConvertible {
    public enum API: String, Sendable {
        /// KoboldAI's (KoboldCpp, KoboldAI United, `dungeon serve`).
        case kobold
        /// OpenAI's completions (llama.cpp's server, vLLM, text-generation-webui, `dungeon serve`).
        case openAI = "openai"
    }

    /// The server's root, without the API's own prefix (`/api`, `/v1`) or a trailing slash.
    public var root: URL
    /// nil: not named; the server is asked.
    public var api: API?

    public init(_ text: String) throws(RemoteError) {
        var rest = text.trimmingCharacters(in: .whitespaces)
        api = nil
        for candidate in [API.kobold, .openAI] where rest.lowercased().hasPrefix(candidate.rawValue + "+") {
            api = candidate
            rest.removeFirst(candidate.rawValue.count + 1)
        }
        guard let url = URL(string: rest), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty else {
            throw .badAddress("\"\(text)\" is not an http:// or https:// address (for example kobold+http://localhost:5001)")
        }
        guard url.query == nil, url.fragment == nil else { throw .badAddress("\"\(text)\": an address without ? or #") }
        var path = url.path
        while path.hasSuffix("/") { path.removeLast() }
        // The API's own prefix, as players copy it from a server's banner, is part of each call.
        for suffix in ["/api/v1", "/api", "/v1"] where path.lowercased().hasSuffix(suffix) {
            path.removeLast(suffix.count)
            break
        }
        var parts = URLComponents()
        parts.scheme = scheme
        parts.host = host
        parts.port = url.port
        parts.percentEncodedPath = path
        parts.user = url.user
        parts.password = url.password
        guard let root = parts.url else { throw .badAddress("\"\(text)\" is not an address") }
        self.root = root
    }

    /// `path` (from the server's root, starting with `/`) as a URL.
    public func url(_ path: String) -> URL {
        URL(string: root.absoluteString + path) ?? root
    }

    /// The address as a player reads it, without any password in it.
    public var description: String {
        var parts = URLComponents(url: root, resolvingAgainstBaseURL: false)
        parts?.password = nil
        parts?.user = nil
        return parts?.url?.absoluteString ?? root.absoluteString
    }
}
