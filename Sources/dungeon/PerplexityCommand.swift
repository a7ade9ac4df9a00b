import ArgumentParser
import Engine
import Foundation
import GPT2
import Tokenizer

/// Measures what a precision costs in quality: perplexity on a text, and how often the most
/// likely next token agrees with F32, for each precision asked.
struct PerplexityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perplexity",
        abstract: "Perplexity of a model on a text at each precision, and top-1 agreement with f32."
    )

    @Option(help: "A Hugging Face GPT-2 folder.") var model: String
    @Option(help: "A text file (the first context window of it is scored).") var text: String
    @Option(parsing: .upToNextOption, help: "Precisions to compare with f32.") var precision: [Precision] = [.f16, .q8, .q4]
    @Option(help: ArgumentHelp("Score as llama.cpp's llama-perplexity -c N does: windows of N tokens, the second half of each.",
                               valueName: "N"))
    var window: Int?

    func validate() throws {
        if let window, window < 2 { throw ValidationError("--window is at least 2 tokens") }
    }

    func run() throws {
        try reportingErrors {
            let folder = URL(fileURLWithPath: (model as NSString).expandingTildeInPath)
            let prose = try String(contentsOfFile: (text as NSString).expandingTildeInPath, encoding: .utf8)
            let tokens = try BPETokenizer(directory: folder).encode(prose)
            if let window {
                // Checked from the model's config, before any weights are loaded.
                let context = try GPT2Model.describe(folder).config.contextLength
                guard window <= context else {
                    throw ValidationError("--window \(window) is longer than the model's context (\(context) tokens)")
                }
                guard tokens.count >= window else {
                    throw ValidationError("the text is \(tokens.count) tokens, shorter than one window of \(window)")
                }
            }
            func score(_ precision: Precision) throws -> TextScore {
                let session = try InferenceSession(model: GPT2Model(directory: folder, precision: precision))
                guard let window else { return try session.score(tokens) }
                return try session.score(tokens, windowsOf: window)
            }
            let full = try score(.f32)
            print(String(format: "%-5@ perplexity %8.3f  (%d positions)", "f32", full.perplexity, full.predictions.count))
            for precision in precision where precision != .f32 {
                let score = try score(precision)
                print(String(format: "%-5@ perplexity %8.3f  (%+.2f %%)  top-1 agreement with f32 %.1f %%",
                             precision.rawValue, score.perplexity, (score.perplexity / full.perplexity - 1) * 100,
                             score.topOneAgreement(with: full) * 100))
            }
        }
    }
}
