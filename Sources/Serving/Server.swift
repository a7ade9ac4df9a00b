import Foundation
import Hummingbird
import HummingbirdCore
import Logging

/// `dungeon serve`: one model behind the KoboldAI API (as KoboldCpp serves it) and the
/// OpenAI completions API, on Hummingbird.
public enum Server {
    public struct Options: Sendable {
        public var host = "127.0.0.1"
        public var port = 5001
        public var apiKey: APIKey?
        public init() {}
    }

    /// Refuses an address other machines can reach unless a key guards it.
    public static func checkBinding(_ options: Options) throws(ServingError) {
        guard isLoopback(options.host) || options.apiKey != nil else {
            throw .badRequest("serving on \(options.host) lets other machines use the model: give --api-key KEY "
                + "(or DUNGEON_API_KEY), which clients send as 'Authorization: Bearer KEY'")
        }
    }

    /// Serves until the task is cancelled, calling `onListening` with the port once
    /// connections are accepted. (Signals are the command's: it stops the engine and exits.)
    public static func run(
        host engine: EngineHost, options: Options, log: RequestLog,
        onListening: @escaping @Sendable (Int) -> Void
    ) async throws {
        try checkBinding(options)
        var logger = Logger(label: "dungeon.serve")
        logger.logLevel = .critical  // the request log says what happened, one line each
        let app = Application(
            router: router(engine, apiKey: options.apiKey, log: log),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "dungeon",
                                 availableConnectionsDelegate: MaximumAvailableConnections(ServerLimits.connections)),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? options.port) },
            logger: logger)
        try await app.runService()
    }

    static func router(_ host: EngineHost, apiKey: APIKey?, log: RequestLog) -> Router<ServeContext> {
        let router = Router(context: ServeContext.self)
        router.add(middleware: AccessMiddleware(key: apiKey, log: log))
        addKoboldRoutes(to: router, host: host, log: log, protected: apiKey != nil)
        addOpenAIRoutes(to: router, host: host, log: log)
        return router
    }
}

/// Asks for the key (but on the version endpoints, which say a key is needed), turns errors
/// into each API's shape, and writes the request log's line.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = ServeContext
    let key: APIKey?
    let log: RequestLog

    /// What a front end asks before it knows the key.
    static let open: Set<String> = ["/api/extra/version", "/api/v1/info/version", "/api/v1/model", "/api/latest/model"]

    func handle(_ request: Request, context: ServeContext, next: (Request, ServeContext) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let flavour = APIFlavour(path: path)
        let response: Response
        if let key, !Self.open.contains(path), !key.accepts(authorization: request.headers[.authorization]) {
            response = flavour.error(.unauthorized)
        } else {
            do {
                response = try await next(request, context)
            } catch let error as ServingError {
                context.note.details = error.description
                response = flavour.error(error)
            } catch let error as HTTPError {
                let message = error.body ?? (error.status == .notFound ? "no such endpoint: \(request.method) \(path)" : error.status.reasonPhrase)
                response = flavour.error(.badRequest(message)).with(status: error.status)
            } catch {
                response = flavour.error(.badRequest(String(describing: error)))
            }
        }
        if !context.note.deferred {
            let details = context.note.details.map { ": " + $0 } ?? ""
            log.write("\(request.method) \(path) \(response.status.code)\(details)")
        }
        return response
    }
}

extension Response {
    func with(status: HTTPResponse.Status) -> Response {
        var copy = self
        copy.status = status
        return copy
    }
}
