import Foundation

/// A line per request on standard error: method, path, status, and for a generation the
/// prompt tokens computed and reused, the tokens written and their rate. Never a header,
/// so never the API key.
///
/// `@unchecked Sendable`: writes are serialised by `lock`.
public final class RequestLog: @unchecked Sendable {
    public let quiet: Bool
    private let lock = NSLock()
    private let sink: @Sendable (String) -> Void

    public init(quiet: Bool, sink: @escaping @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }) {
        self.quiet = quiet
        self.sink = sink
    }

    func write(_ line: String) {
        guard !quiet else { return }
        // A path is the client's bytes: keep it printable.
        let clean = String(line.unicodeScalars.map { $0.value < 0x20 || (0x7f..<0xa0).contains($0.value) ? "?" : Character($0) })
        lock.withLock { sink(clean) }
    }

    /// The details of a generation, for its line.
    static func describe(_ completion: Completion, seconds: Double, ignored: [String]) -> String {
        var parts = [
            "prompt \(completion.promptTokens) tokens (\(completion.promptTokensComputed) computed, "
                + "\(completion.promptTokens - completion.promptTokensComputed) reused)",
            String(format: "%d generated at %.1f tok/s", completion.generatedTokens, completion.tokensPerSecond),
            String(format: "%.2f s", seconds),
        ]
        if completion.droppedTokens > 0 {
            parts.append("the prompt was longer than the window: cut \(completion.droppedTokens) tokens from the front")
        }
        if completion.cancelled { parts.append("stopped by the client") }
        if !ignored.isEmpty { parts.append("ignored: " + ignored.joined(separator: ", ")) }
        return parts.joined(separator: ", ")
    }
}

/// What a handler tells the log about its request. A generation that streams logs its own
/// line when the stream ends (`deferred`), after the response has been returned.
///
/// `@unchecked Sendable`: `details` and `deferred` are touched only under `lock`.
final class RequestNote: @unchecked Sendable {
    private let lock = NSLock()
    private var _details: String?
    private var _deferred = false

    var details: String? {
        get { lock.withLock { _details } }
        set { lock.withLock { _details = newValue } }
    }

    var deferred: Bool {
        get { lock.withLock { _deferred } }
        set { lock.withLock { _deferred = newValue } }
    }
}
