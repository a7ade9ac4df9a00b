import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Blocking HTTP over the platform's URLSession (TLS included), for the generation thread:
/// whole replies, and bodies streamed piece by piece to a callback that may stop them.
/// A wait for the next byte is bounded by `timeout`.
struct HTTPConnection {
    var timeout: Double
    var apiKey: String?
    /// Asked while waiting: true stops the request (the player pressed Esc or quit).
    var shouldStop: () -> Bool = { false }

    /// The status and the whole body.
    func send(_ method: String, _ url: URL, json: [String: Any]? = nil) throws(RemoteError) -> (status: Int, body: Data) {
        var body = Data()
        let status = try stream(method, url, json: json) { _, piece in
            body.append(piece)
            return body.count <= Self.largestReply
        }
        guard body.count <= Self.largestReply else { throw .malformed(url: Self.origin(url), what: "a reply over 16 MB") }
        return (status, body)
    }

    /// A reply the API never needs to be longer than.
    static let largestReply = 16 << 20

    /// Sends the request and hands each piece of the body to `onData` as it arrives, with
    /// the status; `onData` returns false to close the connection. Returns the status.
    func stream(_ method: String, _ url: URL, json: [String: Any]? = nil, onData: (Int, Data) -> Bool) throws(RemoteError) -> Int {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let apiKey, !apiKey.isEmpty { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try? JSONSerialization.data(withJSONObject: json, options: [.withoutEscapingSlashes])
        }
        let transfer = Transfer()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let session = URLSession(configuration: configuration, delegate: transfer, delegateQueue: nil)
        defer { session.invalidateAndCancel() }
        let task = session.dataTask(with: request)
        task.resume()
        let origin = Self.origin(url)
        var status: Int?
        var lastByte = Date()
        while true {
            let events = transfer.wait(upTo: 0.05)
            if events.isEmpty {
                if shouldStop() {
                    task.cancel()
                    return status ?? 0
                }
                if Date().timeIntervalSince(lastByte) > timeout {
                    task.cancel()
                    throw .timedOut(url: origin, seconds: timeout)
                }
                continue
            }
            lastByte = Date()
            for event in events {
                switch event {
                case .response(let code):
                    status = code
                case .data(let piece):
                    guard onData(status ?? 0, piece) else {
                        task.cancel()
                        return status ?? 0
                    }
                case .finished(nil):
                    guard let status else { throw .dropped(url: origin) }
                    return status
                case .finished(let error?):
                    throw Self.problem(error, origin: origin, started: status != nil, timeout: timeout)
                }
            }
        }
    }

    /// `http://host:port` of a URL, for messages: no path, no credentials.
    static func origin(_ url: URL) -> String {
        var parts = URLComponents()
        parts.scheme = url.scheme
        parts.host = url.host
        parts.port = url.port
        return parts.url?.absoluteString ?? "the backend"
    }

    private static func problem(_ error: any Error, origin: String, started: Bool, timeout: Double) -> RemoteError {
        let code = (error as? URLError)?.code ?? URLError.Code(rawValue: (error as NSError).code) ?? .unknown
        switch code {
        case .timedOut: return .timedOut(url: origin, seconds: timeout)
        case .networkConnectionLost: return started ? .dropped(url: origin) : .unreachable(url: origin, reason: "the connection closed")
        case .cannotConnectToHost: return .unreachable(url: origin, reason: "connection refused")
        case .cannotFindHost, .dnsLookupFailed: return .unreachable(url: origin, reason: "no such host")
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid:
            return .unreachable(url: origin, reason: "the TLS connection failed")
        default:
            if started { return .dropped(url: origin) }
            let reason = (error as NSError).localizedDescription.split(separator: "\n").first.map(String.init) ?? "error \(code.rawValue)"
            return .unreachable(url: origin, reason: reason)
        }
    }
}

/// What URLSession's delegate reports, handed to the waiting thread.
///
/// `@unchecked Sendable`: `events` is touched only under `condition`'s lock.
private final class Transfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    enum Event {
        case response(Int)
        case data(Data)
        case finished((any Error)?)
    }

    private let condition = NSCondition()
    private var events: [Event] = []

    private func post(_ event: Event) {
        condition.lock()
        events.append(event)
        condition.signal()
        condition.unlock()
    }

    /// The events so far, waiting at most `seconds` for the first.
    func wait(upTo seconds: Double) -> [Event] {
        condition.lock()
        defer { condition.unlock() }
        if events.isEmpty { _ = condition.wait(until: Date().addingTimeInterval(seconds)) }
        let taken = events
        events = []
        return taken
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        post(.response((response as? HTTPURLResponse)?.statusCode ?? 0))
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        post(.data(data))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        post(.finished(error))
    }
}
