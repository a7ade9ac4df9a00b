import ArgumentParser
import Engine
import Foundation
import GPT2
import Story
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
    @Flag(help: "Measure the story's quality instead: a scripted adventure played with each preset (--presets).")
    var quality = false
    @Option(help: "With --quality: the presets to compare, separated by commas (default: every built-in one).")
    var presets: String?
    @Option(help: "With --quality: seeds per preset.") var seeds = 4
    @OptionGroup var samplers: SamplerOptions
    @OptionGroup var backendOptions: BackendOptions

    func validate() throws {
        if backendOptions.address != nil && !game { throw ValidationError("--backend goes with --game: the player's wait against a server") }
        if !saves && backendOptions.address == nil { try modelOptions.requireModel() }
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
            if let remote = try backendOptions.connect() {
                print("machine: \(Machine.cpuName), \(ProcessInfo.processInfo.activeProcessorCount) cores")
                print("backend: \(remote.statusName) at \(remote.address), window \(remote.contextLength), counting \(remote.counting)")
                try GameBench(makeModel: { try backendOptions.connect() ?? remote }, turns: max(2, turns), samplers: samplers).run()
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
                let (folder, precision) = (modelOptions.modelURL, modelOptions.precision)
                try GameBench(makeModel: { try TextEngine(directory: folder, precision: precision) }, turns: max(2, turns),
                              samplers: samplers).run()
                return
            }
            if quality {
                try QualityBench(engine: engine, presets: try qualityPresets(), seeds: max(1, seeds), turns: min(turns, 24)).run()
                return
            }

            // Adventure-like text: the model's speed does not depend on which tokens, but the
            // samplers' does (how many tokens are likely), so the prompt reads like a story.
            var prompt = Array(engine.tokenizer.encode(Self.story(bytes: promptTokens * 8)).prefix(promptTokens))
            while prompt.count < promptTokens { prompt.append(13) }
            var promptRates: [Double] = []
            var generationRates: [Double] = []
            let chosen = engine.sampling(for: try samplers.apply(to: SamplerPreset.defaultPreset.settings))
            let every = engine.sampling(for: Self.everySampler)
            var samplerSeconds: [String: [Double]] = [:]
            for _ in 0..<runs {
                let session = InferenceSession(model: engine.model)
                let start = clock.now
                var logits = try session.prefill(prompt)
                promptRates.append(Double(promptTokens) / (clock.now - start).seconds)

                var sampler = Sampler(settings: chosen, seed: 7, contextLength: config.contextLength)
                // The same logits through every sampler at once, timed apart (its token is not used).
                var all = Sampler(settings: every, seed: 7, contextLength: config.contextLength)
                var spent: [String: Duration] = ["chosen": .zero, "every": .zero]
                let generationStart = clock.now
                for _ in 0..<newTokens {
                    let sampleStart = clock.now
                    let token = sampler.sample(logits, history: session.tokens[...])
                    spent["chosen"]! += clock.now - sampleStart
                    logits = try session.append([token])
                }
                let generationTime = clock.now - generationStart
                for _ in 0..<newTokens {
                    let sampleStart = clock.now
                    _ = all.sample(logits, history: session.tokens[...])
                    spent["every"]! += clock.now - sampleStart
                }
                generationRates.append(Double(newTokens) / generationTime.seconds)
                for (name, time) in spent { samplerSeconds[name, default: []].append(time.seconds / Double(newTokens)) }
            }
            print(String(format: "prompt:  %.1f tokens/s (%d-token prompt, median of %d)", median(promptRates), promptTokens, runs))
            let tokenSeconds = 1 / median(generationRates)
            print(String(format: "generate: %.1f tokens/s (%d tokens after a %d-token prompt, median of %d)",
                         median(generationRates), newTokens, promptTokens, runs))
            for (name, label) in [("chosen", samplers.preset ?? (samplers.isEmpty ? SamplerPreset.defaultName : "flags given")),
                                  ("every", "every sampler on")] {
                let seconds = median(samplerSeconds[name] ?? [])
                print(String(format: "samplers: %.1f µs per token with %@ (%.2f %% of a generated token)",
                             seconds * 1e6, label, 100 * seconds / tokenSeconds))
            }

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
            let pool = ComputePool.shared
            print("threads: \(pool.threads)" + (pool.stalls > 0 ? "; the machine was busy: the pool stepped aside \(pool.stalls) times" : ""))
        }
    }

    /// Every sampler at once, for the samplers' cost: top-k, top-a, typical, top-p, min-p,
    /// tail-free, temperature and XTC, the penalties over the whole window, DRY, two biases.
    static let everySampler: GenerationSettings = {
        var s = GenerationSettings(temperature: 0.9, topK: 100, topP: 0.95, repetitionPenalty: 1.1)
        s.repetitionRange = 1024
        s.repetitionSlope = 0.7
        s.presencePenalty = 0.3
        s.frequencyPenalty = 0.1
        s.minP = 0.05
        s.typical = 0.95
        s.tailFree = 0.95
        s.topA = 0.1
        s.dryMultiplier = 0.8
        s.xtcProbability = 0.5
        s.logitBias = [LogitBias(text: "dragon", amount: 2), LogitBias(token: 13, amount: -1)]
        s.samplerOrder = SamplerStep.koboldOrder
        return s
    }()

    func qualityPresets() throws -> [SamplerPreset] {
        // The preset and flags given, if any, make a row of their own after the presets named.
        let given = samplers.isEmpty ? [] : [SamplerPreset(name: "given", summary: "", settings: try samplers.apply(to: SamplerPreset.defaultPreset.settings))]
        guard let presets else { return SamplerPreset.builtIn + given }
        return try presets.split(separator: ",").map { name in
            guard let preset = SamplerPreset.named(String(name)) else { throw ValidationError("no preset \(name)") }
            return preset
        } + given
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
