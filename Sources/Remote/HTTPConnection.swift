import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Blocking HTTP over AsyncHTTPClient (TLS through swift-nio-ssl), for the generation
/// thread: whole replies, and bodies streamed piece by piece to a callback that may stop
/// them. A wait for the next byte is bounded by `timeout`; waiting costs no CPU.
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
        // A kept-alive connection the server has since closed fails before any answer: the
        // request never reached it, and goes again on a new connection, once.
        if let status = try once(method, url, json: json, onData: onData) { return status }
        if let status = try once(method, url, json: json, onData: onData) { return status }
        throw .unreachable(url: Self.origin(url), reason: "the connection closed")
    }

    /// One try; nil when the connection turned out closed before the request went out.
    private func once(_ method: String, _ url: URL, json: [String: Any]?, onData: (Int, Data) -> Bool) throws(RemoteError) -> Int? {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Accept", value: "application/json, text/event-stream")
        if let apiKey, !apiKey.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        if let json, let data = try? JSONSerialization.data(withJSONObject: json, options: [.withoutEscapingSlashes]) {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: data))
        }
        let transfer = Transfer()
        let task = Task {
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .hours(24))
                transfer.post(.response(Int(response.status.code)))
                for try await piece in response.body {
                    transfer.post(.data(Data(piece.readableBytesView)))
                }
                transfer.post(.finished(nil))
            } catch {
                transfer.post(.finished(error))
            }
        }
        defer { task.cancel() }
        let origin = Self.origin(url)
        var status: Int?
        var lastByte = Date()
        while true {
            let events = transfer.wait(upTo: 0.05)
            if events.isEmpty {
                if shouldStop() { return status ?? 0 }
                if Date().timeIntervalSince(lastByte) > timeout { throw .timedOut(url: origin, seconds: timeout) }
                continue
            }
            lastByte = Date()
            for event in events {
                switch event {
                case .response(let code):
                    status = code
                case .data(let piece):
                    guard onData(status ?? 0, piece) else { return status ?? 0 }
                case .finished(nil):
                    guard let status else { throw .dropped(url: origin) }
                    return status
                case .finished(let error?):
                    if status == nil, Self.isStale(error) { return nil }
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

    /// A pooled connection found closed: the server let it go while it sat idle.
    private static func isStale(_ error: any Error) -> Bool {
        if let channel = error as? ChannelError {
            switch channel {
            case .ioOnClosedChannel, .alreadyClosed, .eof: return true
            default: return false
            }
        }
        if let client = error as? HTTPClientError, client == .remoteConnectionClosed { return true }
        if let io = error as? IOError { return [ECONNRESET, EPIPE].contains(io.errnoCode) }
        return false
    }

    private static func problem(_ error: any Error, origin: String, started: Bool, timeout: Double) -> RemoteError {
        if started { return .dropped(url: origin) }
        let said = String(describing: error)
        if let client = error as? HTTPClientError {
            switch client {
            case .connectTimeout, .readTimeout, .deadlineExceeded: return .timedOut(url: origin, seconds: timeout)
            case .remoteConnectionClosed: return .unreachable(url: origin, reason: "the connection closed")
            default: break
            }
        }
        let lowered = said.lowercased()
        let reason = lowered.contains("refused") ? "connection refused"
            : lowered.contains("resolve") || lowered.contains("lookup") || lowered.contains("host") ? "no such host"
            : lowered.contains("ssl") || lowered.contains("tls") || lowered.contains("certificate") ? "the TLS connection failed"
            : String(said.split(whereSeparator: \.isNewline).first ?? "no answer").prefix(120).description
        return .unreachable(url: origin, reason: reason)
    }
}

/// What the request's task reports, handed to the waiting thread.
///
/// `@unchecked Sendable`: `events` is touched only under `condition`'s lock.
private final class Transfer: @unchecked Sendable {
    enum Event {
        case response(Int)
        case data(Data)
        case finished((any Error)?)
    }

    private let condition = NSCondition()
    private var events: [Event] = []

    func post(_ event: Event) {
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
}
