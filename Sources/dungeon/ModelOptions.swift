import ArgumentParser
import Engine
import Foundation
import GPT2
import Story

/// `--model` and `--threads`, shared by every command that runs GPT-2.
struct ModelOptions: ParsableArguments {
    /// Required by every command that loads it (`bench --saves` does not); see `requireModel`.
    @Option(name: .long, help: "A Hugging Face GPT-2 folder (config.json, model.safetensors, vocab.json, merges.txt).")
    var model: String?

    @Option(name: .long, help: "Compute threads (default: all cores).")
    var threads: Int?

    @Option(help: "Weights in memory: f32, f16, q8 (8-bit) or q4 (4-bit) (default: as stored up to gpt2-medium, q8 above).")
    var precision: Precision?

    var modelURL: URL { URL(fileURLWithPath: ((model ?? "") as NSString).expandingTildeInPath) }

    /// The check a command that loads the model makes in its `validate`.
    func requireModel() throws {
        guard model != nil else { throw ValidationError("Missing expected argument '--model <model>'") }
    }

    func validate() throws {
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be between 1 and 256") }
    }

    /// Loads the model after setting the compute threads, which must happen first and once.
    func loadEngine() throws -> TextEngine {
        ComputePool.configure(threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        return try TextEngine(directory: modelURL, precision: precision)
    }
}

extension Precision: ExpressibleByArgument {}

/// The sampler flags of `dungeon generate`: the presets and samplers, a seed, greedy.
struct SamplingOptions: ParsableArguments {
    @OptionGroup var samplers: SamplerOptions
    @Option(help: "Random seed; the same seed and settings give the same text.") var seed: UInt64?
    @Flag(help: "Always take the most likely token.") var greedy = false

    /// The default preset's samplers with the preset and flags given.
    func story() throws -> GenerationSettings {
        try samplers.apply(to: SamplerPreset.defaultPreset.settings)
    }
}
