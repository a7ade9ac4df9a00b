import Foundation
import TestSupport
import Story
import Tokenizer

/// GPT-2's real tokenizer, so every budget in these tests is counted as the game counts it.
let realTokenizer: BPETokenizer = {
    try! BPETokenizer(directory: repositoryRoot.appendingPathComponent("Assets/gpt2-tokenizer"))
}()

struct RealCounter: TokenCounter {
    func tokenCount(_ text: String) -> Int { realTokenizer.encode(text).count }
}

/// A generator that answers from a script, records every call, and counts with the real tokenizer.
final class FakeGenerator: TextGenerator, @unchecked Sendable {
    // @unchecked: tests use one instance from one test function at a time.
    struct Call: Equatable {
        var prompt: String
        var settings: GenerationSettings
        var seed: UInt64
    }

    var contextLength: Int
    var modelName = "fake"
    var calls: [Call] = []
    /// Returns the raw text for a call; by default numbered replies.
    var script: (Call, Int) -> String

    init(contextLength: Int = 1024, script: @escaping (Call, Int) -> String = { _, n in "Reply number \(n) happens here." }) {
        self.contextLength = contextLength
        self.script = script
    }

    func tokenCount(_ text: String) -> Int { realTokenizer.encode(text).count }

    func generate(prompt: String, settings: GenerationSettings, seed: UInt64, stopSequences: [String],
                  onText: (String) -> Bool) throws -> GeneratedText {
        let call = Call(prompt: prompt, settings: settings, seed: seed)
        calls.append(call)
        let text = script(call, calls.count)
        // Stream word by word, honouring a stop from the caller, as the engine does.
        var emitted = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false).enumerated().map({ ($0.offset == 0 ? "" : " ") + $0.element }) {
            emitted += word
            if !onText(word) { return GeneratedText(text: emitted, tokenCount: tokenCount(emitted), cancelled: true) }
        }
        return GeneratedText(text: text, tokenCount: tokenCount(text), tokensPerSecond: 10)
    }
}

/// Deterministic seeds for tests.
struct CountingRandom: RandomNumberGenerator {
    var value: UInt64 = 0
    mutating func next() -> UInt64 {
        value += 1
        return value
    }
}
