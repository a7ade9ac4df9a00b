import Engine
import Foundation
import Remote
import Story
import Tokenizer

/// What the game's worker drives: the engine on this machine, or a backend on another.
protocol GameModel: TextGenerator, AnyObject {
    /// The status bar's name: "gpt2-xl q8", "mistral-7b @ kobold+http://…".
    var statusName: String { get }
    /// Counts tokens on the main thread while the model writes on its own.
    var counter: any TokenCounter { get }
    /// Reads `prompt` ahead of need, so a generation that starts with it reads only the rest;
    /// then, where the model keeps a second cache, `upcoming` (`ContextPrompt.upcoming`).
    /// Stops between chunks when `shouldStop` says so, at once when `stopMidChunk` does.
    @discardableResult
    func readAhead(prompt: String, upcoming: String?, shouldStop: () -> Bool, stopMidChunk: (() -> Bool)?) throws -> Int
    /// Keeps the cache for the next run (the player quits) and takes back the last run's
    /// (a model just loaded), where the model keeps one on this machine.
    func saveCache() throws
    @discardableResult
    func restoreSavedCache() -> Int
    /// Asked while a prompt is read and each token written: true stops the generation.
    func setStopCheck(_ check: @escaping @Sendable () -> Bool)
    /// Told how far a long prompt has been read.
    func setPromptProgress(_ report: @escaping @Sendable (_ done: Int, _ total: Int) -> Void)
    /// The last generation's prompt tokens computed (not from the cache), where known.
    var promptTokensComputed: Int? { get }
    /// What the player should hear once about the last generation (a backend's refused fields).
    func takeNotices() -> [String]
}

extension TextEngine: GameModel {
    var statusName: String { "\(name) \(model.precision)" }
    var counter: any TokenCounter { TokenizerCounter(tokenizer: tokenizer) }
    func setStopCheck(_ check: @escaping @Sendable () -> Bool) { stopCheck = check }
    func setPromptProgress(_ report: @escaping @Sendable (Int, Int) -> Void) { promptProgress = report }
    var promptTokensComputed: Int? { lastPromptTokensComputed }
    func takeNotices() -> [String] { [] }
}

extension RemoteGenerator: GameModel {
    var statusName: String { "\(modelName) @ \(server.program.rawValue)" }
    var counter: any TokenCounter { self }
    func setStopCheck(_ check: @escaping @Sendable () -> Bool) { stopCheck = check }
    func setPromptProgress(_ report: @escaping @Sendable (Int, Int) -> Void) {}
    var promptTokensComputed: Int? { askPromptTokensComputed() }
    /// A server keeps its own cache.
    func saveCache() {}
    func restoreSavedCache() -> Int { 0 }
    /// A server keeps one cache per client: `upcoming` is not sent. A request is one chunk:
    /// it is closed for either reason.
    func readAhead(prompt: String, upcoming: String?, shouldStop: () -> Bool, stopMidChunk: (() -> Bool)?) throws -> Int {
        try readAhead(prompt: prompt) { shouldStop() || stopMidChunk?() == true }
    }
}

/// Counts tokens with the model's tokenizer (for the context inspector, on the main thread).
struct TokenizerCounter: TokenCounter {
    let tokenizer: BPETokenizer
    func tokenCount(_ text: String) -> Int { tokenizer.encode(text).count }
}
