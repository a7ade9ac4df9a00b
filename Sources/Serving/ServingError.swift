/// What goes wrong serving a request, in words for the client.
public enum ServingError: Error, Equatable, CustomStringConvertible {
    /// The request's JSON, or a field in it, is unusable.
    case badRequest(String)
    /// Every place in the queue is taken.
    case busy(waiting: Int)
    /// The server is shutting down.
    case stopping
    /// The model failed.
    case engine(String)
    case unauthorized
    case tooLarge(limit: Int)

    public var description: String {
        switch self {
        case .badRequest(let message): return message
        case .busy(let waiting): return "the server is busy: \(waiting) requests are waiting; try again shortly"
        case .stopping: return "the server is shutting down"
        case .engine(let message): return "generation failed: \(message)"
        case .unauthorized: return "the API key is missing or wrong (send 'Authorization: Bearer KEY')"
        case .tooLarge(let limit): return "the request body is larger than \(limit / 1_048_576) MiB"
        }
    }

    /// The HTTP status it is answered with.
    public var status: Int {
        switch self {
        case .badRequest: return 400
        case .busy, .stopping: return 503
        case .engine: return 500
        case .unauthorized: return 401
        case .tooLarge: return 413
        }
    }
}
