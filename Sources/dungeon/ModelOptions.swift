import ArgumentParser
import Engine
import Foundation
import GPT2

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

/// The sampler flags of `dungeon generate`.
struct SamplingOptions: ParsableArguments {
    // `.unconditional`: a negative number is the option's value, so it reaches the validation
    // ("temperature must be …") instead of being taken for an unknown flag.
    @Option(parsing: .unconditional, help: "Sampling temperature.") var temperature: Float = 0.8
    @Option(name: .customLong("top-k"), parsing: .unconditional, help: "Keep the K most likely tokens (0: all).") var topK: Int = 40
    @Option(name: .customLong("top-p"), parsing: .unconditional, help: "Keep the most likely tokens up to this probability mass.")
    var topP: Float = 0.9
    @Option(name: .customLong("repetition-penalty"), parsing: .unconditional, help: "Penalty for recently used tokens (1: none).")
    var repetitionPenalty: Float = 1.15
    @Option(help: "Random seed; the same seed and settings give the same text.") var seed: UInt64?
    @Flag(help: "Always take the most likely token.") var greedy = false

    var settings: SamplingSettings {
        SamplingSettings(temperature: temperature, topK: topK, topP: topP,
                         repetitionPenalty: repetitionPenalty, greedy: greedy)
    }

    func validate() throws {
        if let problem = settings.problem { throw ValidationError(problem) }
    }
}
