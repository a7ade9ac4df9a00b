import ArgumentParser
import Engine
import Foundation
import GPT2
import Tokenizer

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure load time, prompt and generation speed (median of several runs) and peak memory."
    )

    @OptionGroup var modelOptions: ModelOptions
    @Option(name: .customLong("prompt-tokens"), help: "Prompt length for both measurements.") var promptTokens = 512
    @Option(name: .customLong("new-tokens"), help: "Tokens generated after the prompt.") var newTokens = 128
    @Option(help: "Runs to take the median of.") var runs = 5
    @Option(name: .customLong("story-kib"), help: "Also time tokenizing a story of this many KiB (0: skip).")
    var storyKiB = 100
    @Flag(help: "Measure the player's wait instead: a scripted adventure, with and without reading ahead.")
    var game = false
    @Option(help: "With --game: how many turns.") var turns = 60
    @Flag(help: "Measure the save file instead (no model): opening, switching branch and saving a turn at 10 and 10,000 turns.")
    var saves = false

    func validate() throws {
        if !saves { try modelOptions.requireModel() }
        guard promptTokens >= 1, newTokens >= 1, runs >= 1 else {
            throw ValidationError("--prompt-tokens, --new-tokens and --runs must be at least 1")
        }
    }

    func run() throws {
        try reportingErrors {
            if saves {
                print("machine: \(Machine.cpuName), \(ProcessInfo.processInfo.activeProcessorCount) cores")
                try SaveBench(runs: max(runs, 9)).run()
                return
            }
            let clock = ContinuousClock()
            let loadStart = clock.now
            let engine = try modelOptions.loadEngine()
            let loadSeconds = (clock.now - loadStart).seconds
            let config = engine.model.config
            guard promptTokens + newTokens <= config.contextLength else {
                throw ValidationError("--prompt-tokens + --new-tokens must fit the \(config.contextLength)-token window")
            }

            print("machine: \(Machine.cpuName), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ComputePool.shared.threads) compute threads, \(ComputePool.instructionSet) kernels")
            print(String(format: "model:   %@ (%.0fM parameters, %@ file, %d layers, width %d)", engine.name,
                         Double(config.parameterCount) / 1e6, engine.model.storageType, config.layerCount, config.hiddenSize))
            print("precision: \(engine.model.precision) (matrices in \(engine.model.matrixFormat))")
            print(String(format: "load:    %.3f s", loadSeconds))
            if game {
                try GameBench(folder: modelOptions.modelURL, precision: modelOptions.precision, turns: max(2, turns)).run()
                return
            }

            // Prompt text drawn from the vocabulary with a fixed seed: speed does not depend on which tokens.
            var random = SplitMix64(seed: 1)
            let prompt = (0..<promptTokens).map { _ in Int(random.next() % UInt64(min(config.vocabularySize, 50000))) }
            var promptRates: [Double] = []
            var generationRates: [Double] = []
            for _ in 0..<runs {
                let session = InferenceSession(model: engine.model)
                let start = clock.now
                var logits = try session.prefill(prompt)
                promptRates.append(Double(promptTokens) / (clock.now - start).seconds)

                var sampler = Sampler(settings: SamplingSettings(), seed: 7)
                let generationStart = clock.now
                for _ in 0..<newTokens {
                    let token = sampler.sample(logits, history: session.tokens[...])
                    logits = try session.append([token])
                }
                generationRates.append(Double(newTokens) / (clock.now - generationStart).seconds)
            }
            print(String(format: "prompt:  %.1f tokens/s (%d-token prompt, median of %d)", median(promptRates), promptTokens, runs))
            print(String(format: "generate: %.1f tokens/s (%d tokens after a %d-token prompt, median of %d)",
                         median(generationRates), newTokens, promptTokens, runs))

            if storyKiB > 0 {
                let story = Self.story(bytes: storyKiB * 1024)
                var times: [Double] = []
                var count = 0
                for _ in 0..<runs {
                    let start = clock.now
                    count = engine.tokenizer.encode(story).count
                    times.append((clock.now - start).seconds)
                }
                print(String(format: "tokenize: %.1f ms for a %d KiB story (%d tokens, median of %d)",
                             median(times) * 1000, storyKiB, count, runs))
            }
            if let peak = SystemMemory.peakResidentBytes() {
                print(String(format: "memory:  %.0f MiB peak resident", Double(peak) / 1_048_576))
            }
        }
    }

    /// Adventure-like text with varied words, so the tokenizer cannot win by caching one word.
    static func story(bytes: Int) -> String {
        let words = ["You", "walk", "into", "the", "ancient", "library,", "where", "dust", "hangs", "in", "golden",
                     "light.", "\"Who's", "there?\"", "a", "voice", "calls.", "The", "dragon's", "eyes", "gleam", "—",
                     "3,000", "coins", "glitter", "below.", "\n\n>", "You", "draw", "your", "sword."]
        var random = SplitMix64(seed: 3)
        var text = ""
        while text.utf8.count < bytes {
            text += words[Int(random.next() % UInt64(words.count))]
            text += random.next() % 7 == 0 ? "\n" : " "
        }
        return text
    }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

enum Machine {
    static var cpuName: String {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
        for line in info.split(separator: "\n") where line.hasPrefix("model name") {
            return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        }
        return "unknown CPU"
    }
}
