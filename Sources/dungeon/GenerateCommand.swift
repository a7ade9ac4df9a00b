import ArgumentParser
import Engine
import Foundation
import GPT2
import Remote
import Story

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Continue a prompt, streaming the text to standard output as it is sampled."
    )

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "The text to continue.") var prompt: String
    @Option(name: .customLong("max-tokens"), help: "How many tokens to generate at most.") var maxTokens: Int = 100
    @OptionGroup var sampling: SamplingOptions
    @OptionGroup var backendOptions: BackendOptions

    func validate() throws {
        if backendOptions.address == nil { try modelOptions.requireModel() }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
    }

    func run() throws {
        try reportingErrors {
            if let remote = try backendOptions.connect() { return try generate(with: remote) }
            let engine = try modelOptions.loadEngine()
            let seed = sampling.seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
            let promptTokens = engine.countTokens(prompt)
            let room = engine.contextLength - max(1, promptTokens)
            if maxTokens > room {
                FileHandle.standardError.write(Data("[--max-tokens \(maxTokens): the \(engine.contextLength)-token window holds the \(promptTokens)-token prompt and at most \(room) more]\n".utf8))
            }
            let story = try sampling.story()
            var samplers = engine.sampling(for: story)
            samplers.greedy = sampling.greedy
            var request = GenerationRequest(
                maxTokens: min(maxTokens, engine.contextLength - 1), sampling: samplers, seed: seed)
            request.bannedPhrases = story.bannedPhrases
            var sanitizer = TextSanitizer.Stream()  // drops an escape sequence split across pieces whole
            let result = try engine.generate(prompt: prompt, request: request) { piece in
                writeRaw(sanitizer.push(piece))
                return true
            }
            writeRaw(sanitizer.finish() + "\n")
            let summary = String(format: "%d tokens, %.1f tokens/s (samplers %.0f µs a token), prompt %d tokens in %.2f s, seed %llu",
                                 result.tokens.count, result.tokensPerSecond,
                                 result.samplerSeconds * 1e6 / Double(max(1, result.tokens.count)), result.promptTokens,
                                 result.promptSeconds, seed) + (result.rewinds > 0 ? ", \(result.rewinds) rewinds for banned phrases" : "")
            FileHandle.standardError.write(Data("[\(summary)]\n".utf8))
        }
    }

    /// The same through a backend: its samplers sent as the story sends them.
    private func generate(with remote: RemoteGenerator) throws {
        let seed = sampling.seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        var settings = try sampling.story()
        settings.replyLength = maxTokens
        if sampling.greedy { settings.topK = 1 }
        var sanitizer = TextSanitizer.Stream()
        let result = try remote.generate(prompt: prompt, settings: settings, seed: seed, stopSequences: []) { piece in
            writeRaw(sanitizer.push(piece))
            return true
        }
        writeRaw(sanitizer.finish() + "\n")
        for notice in remote.takeNotices() { FileHandle.standardError.write(Data("[\(notice)]\n".utf8)) }
        let summary = String(format: "%d tokens, %.1f tokens/s, from %@ at %@, seed %llu", result.tokenCount,
                             result.tokensPerSecond, remote.statusName, remote.address.description, seed)
        FileHandle.standardError.write(Data("[\(summary)]\n".utf8))
    }
}
