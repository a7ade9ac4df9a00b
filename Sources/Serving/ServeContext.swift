import Hummingbird

/// The request context: Hummingbird's, plus the note the handler leaves for the log.
public struct ServeContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let note = RequestNote()

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// A front end resends the whole story each turn; a few megabytes is far more than any
    /// GPT-2 window, and bounds what a client can make the server hold.
    public var maxUploadSize: Int { ServerLimits.bodyBytes }
}

/// The server's fixed bounds.
public enum ServerLimits {
    /// The largest request body accepted; larger is a 413.
    public static let bodyBytes = 4 << 20
    /// Open connections at once; more wait in the listen backlog.
    public static let connections = 256
}
