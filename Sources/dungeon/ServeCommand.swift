import ArgumentParser
import Dispatch
import Engine
import Foundation
import GPT2
import Serving

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the model over the KoboldAI API (as KoboldCpp does) and the OpenAI completions API.",
        discussion: """
            Front ends such as KoboldAI Lite, SillyTavern and Agnaistic connect to http://HOST:PORT \
            (KoboldAI or KoboldCpp API); OpenAI clients use http://HOST:PORT/v1. One generation runs \
            at a time; others wait in order.
            """
    )

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "The models folder to find the model in when --model is not given (DUNGEON_MODELS).") var models: String?
    @Option(help: "The address to listen on. Anything but this machine needs --api-key.") var host = "127.0.0.1"
    @Option(help: "The port to listen on (0: any free port).") var port = 5001
    @Option(name: .customLong("api-key"), help: "The key clients must send as 'Authorization: Bearer KEY' (or set DUNGEON_API_KEY).")
    var apiKey: String?
    @Option(help: "Requests that may wait while one is generated; more are answered 503.") var queue = 16
    @Flag(help: "No line per request on standard error.") var quiet = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard (1...1024).contains(queue) else { throw ValidationError("--queue must be between 1 and 1024") }
    }

    func run() throws {
        try reportingErrors {
            var options = Server.Options()
            options.host = host
            options.port = port
            options.apiKey = APIKey(apiKey ?? ProcessInfo.processInfo.environment["DUNGEON_API_KEY"])
            try Server.checkBinding(options)  // before the model loads, so a refusal is quick
            // The model named, else the one `dungeon` plays (DUNGEON_MODEL, then the models folder).
            let folder = try ModelLocator.resolve(explicit: modelOptions.model, modelsFolder: Locations.models(override: models)).get()
            ComputePool.configure(threads: modelOptions.threads ?? ProcessInfo.processInfo.activeProcessorCount)
            let engine = try ModelLoading.load(folder, precision: modelOptions.precision)
            let engineHost = EngineHost(engine: engine, capacity: queue)
            let log = RequestLog(quiet: quiet)
            let stop = StopOnSignals(engineHost)
            let (name, settings) = (engine.name, options)
            let outcome = waitForTask {
                try await Server.run(host: engineHost, options: settings, log: log) { port in
                    let address = host.contains(":") ? "[\(host)]" : host
                    FileHandle.standardError.write(Data("""
                        Serving \(name) on http://\(address):\(port): KoboldAI API at /api, OpenAI API at /v1\
                        \(settings.apiKey == nil ? "" : " (key required)"). Ctrl-C stops.

                        """.utf8))
                }
            }
            stop.cancel()
            try outcome.get()
        }
    }
}

/// Runs async work from a synchronous command, blocking this thread until it ends.
func waitForTask(_ work: @escaping @Sendable () async throws -> Void) -> Result<Void, any Error> {
    let box = ResultBox()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { try await work(); box.set(.success(())) } catch { box.set(.failure(error)) }
        done.signal()
    }
    done.wait()
    return box.get()
}

/// `@unchecked Sendable`: `result` is touched only under `lock`.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Void, any Error> = .success(())
    func set(_ value: Result<Void, any Error>) { lock.withLock { result = value } }
    func get() -> Result<Void, any Error> { lock.withLock { result } }
}

/// Ctrl-C and SIGTERM stop the generation between tokens, drop the queue and exit at once:
/// a server keeps nothing that needs saving, and a client waiting on it sees the connection close.
private final class StopOnSignals {
    private let sources: [any DispatchSourceSignal]

    init(_ engineHost: EngineHost) {
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                engineHost.shutdown(wait: .milliseconds(300))
                FileHandle.standardError.write(Data("Stopped.\n".utf8))
                exit(0)
            }
            source.resume()
            return source
        }
    }

    func cancel() { sources.forEach { $0.cancel() } }
}
