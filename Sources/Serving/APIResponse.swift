import Foundation
import HTTPTypes
import Hummingbird

/// Which API a path belongs to: it decides the shape of an error.
enum APIFlavour {
    case kobold, openAI

    init(path: String) { self = path.hasPrefix("/v1/") || path == "/v1" ? .openAI : .kobold }

    /// An error in this API's shape: OpenAI's `{"error": {...}}`, KoboldCpp's `{"detail": {...}}`.
    func error(_ error: ServingError) -> Response {
        var headers = HTTPFields()
        if case .busy = error { headers[.retryAfter] = "1" }
        switch self {
        case .openAI:
            let type = switch error {
            case .unauthorized: "authentication_error"
            case .busy, .stopping: "server_overloaded"
            case .engine: "server_error"
            default: "invalid_request_error"
            }
            return json(["error": ["message": error.description, "type": type, "param": NSNull(), "code": NSNull()]],
                        status: error.status, headers: headers)
        case .kobold:
            let type = switch error {
            case .unauthorized: "unauthorized"
            case .busy, .stopping: "service_unavailable"
            case .engine: "server_error"
            default: "bad_input"
            }
            return json(["detail": ["msg": error.description, "type": type]], status: error.status, headers: headers)
        }
    }
}

/// A JSON response.
func json(_ object: Any, status: Int = 200, headers: HTTPFields = [:]) -> Response {
    var headers = headers
    headers[.contentType] = "application/json"
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes])) ?? Data("{}".utf8)
    return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

/// One JSON object as text, for an event.
func jsonText(_ object: Any) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes])) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
}

extension HTTPField.Name {
    static let retryAfter = Self("Retry-After")!
}
