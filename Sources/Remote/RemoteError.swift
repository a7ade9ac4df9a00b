import Foundation

/// Why a remote backend could not write: each reads as one line a player can act on.
public enum RemoteError: Error, Equatable, CustomStringConvertible {
    /// The backend address is not one dungeon can use.
    case badAddress(String)
    /// Nothing answered at the address (refused, no route, a name that does not resolve).
    case unreachable(url: String, reason: String)
    /// The server said no: its status and what it said, cut short.
    case refused(status: Int, message: String)
    /// No byte came for `seconds`.
    case timedOut(url: String, seconds: Double)
    /// The connection closed before the reply was whole.
    case dropped(url: String)
    /// What came back is not what the API sends.
    case malformed(url: String, what: String)
    /// The server speaks neither API.
    case unknownAPI(url: String)

    public var description: String {
        switch self {
        case .badAddress(let problem):
            return "backend: \(problem)"
        case .unreachable(let url, let reason):
            return "the backend at \(url) cannot be reached (\(reason)); is the server running?"
        case .refused(let status, let message):
            let said = message.isEmpty ? "" : ": \(message)"
            switch status {
            case 401, 403: return "the backend refused the request (\(status))\(said); check --api-key or DUNGEON_API_KEY"
            default: return "the backend answered \(status)\(said)"
            }
        case .timedOut(let url, let seconds):
            return "the backend at \(url) sent nothing for \(Self.seconds(seconds)); try again, or raise --timeout"
        case .dropped(let url):
            return "the backend at \(url) closed the connection before the reply was finished"
        case .malformed(let url, let what):
            return "the backend at \(url) sent something that is not its API's reply (\(what))"
        case .unknownAPI(let url):
            return "\(url) answers neither the KoboldAI API nor the OpenAI API; name one: kobold+\(url) or openai+\(url)"
        }
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }
}
