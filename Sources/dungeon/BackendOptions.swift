import ArgumentParser
import Foundation
import Remote

/// `--backend` and its companions: play against a model on another machine.
struct BackendOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "A server to write with instead of a local model: kobold+http://HOST:PORT, openai+http://HOST:PORT, or a plain URL (its API is asked). Also DUNGEON_BACKEND.",
        valueName: "url"))
    var backend: String?

    @Option(name: .customLong("api-key"), help: "The backend's key (also DUNGEON_API_KEY); never saved.")
    var apiKey: String?

    @Option(name: .customLong("remote-model"), help: "Which of the backend's models to use, where it serves several.")
    var remoteModel: String?

    @Option(help: "Seconds to wait for the backend's next byte before giving up.")
    var timeout: Double = 120

    @Option(help: "The backend model's window in tokens, where the server does not say.")
    var context: Int?

    func validate() throws {
        guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be between 0 and 3600 seconds") }
        if let context, !(16...1_048_576).contains(context) { throw ValidationError("--context must be between 16 and 1048576 tokens") }
    }

    /// The backend named by the flag or the environment, if any.
    var address: String? {
        if let backend, !backend.isEmpty { return backend }
        return ProcessInfo.processInfo.environment["DUNGEON_BACKEND"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Connects to the backend (nil when none is named), with GPT-2's bundled tokenizer to
    /// count exactly when the server's model tokenizes as GPT-2 does.
    func connect() throws -> RemoteGenerator? {
        guard let address else { return nil }
        let key = apiKey ?? ProcessInfo.processInfo.environment["DUNGEON_API_KEY"]
        return try RemoteGenerator(address: try BackendAddress(address), apiKey: key, model: remoteModel, timeout: timeout,
                                   window: context, tokenizer: Locations.bundledTokenizer())
    }
}
