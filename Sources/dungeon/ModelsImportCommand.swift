import ArgumentParser
import Engine
import Foundation
import GPT2
import Tokenizer

/// `dungeon models import PATH`: any GPT-2 checkpoint dungeon reads (a Hugging Face folder
/// with safetensors or pytorch_model.bin, a GGUF file, OpenAI's TensorFlow release) copied
/// into the models folder in the native layout, then checked: the imported model must
/// continue a fixed prompt, greedily, exactly as the original does.
struct ModelsImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Add a GPT-2 checkpoint (folder, .bin, .gguf, TensorFlow release) to the models folder.")
    @OptionGroup var folderOption: ModelsFolderOption
    @Argument(help: "The checkpoint: a folder, a pytorch_model.bin or a .gguf file.") var path: String
    @Option(help: "The name in the models folder (default: the folder's or file's name).") var name: String?
    @Option(help: "Also prepare this precision's compact weights now: q8 or q4.") var precision: Precision?

    static let checkPrompt = "You stand at the gate of the old city. The guard looks at you and says"

    func run() throws {
        try reportingErrors {
            let source = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
            guard FileManager.default.fileExists(atPath: source.path) else { throw ValidationError("\(source.path) does not exist") }
            let files = ModelFiles(source)
            let base = files.name
            let chosen = name ?? base
            guard !chosen.isEmpty, !chosen.contains("/"), !chosen.hasPrefix(".") else { throw ValidationError("choose another --name") }
            let models = folderOption.folder
            let target = models.appendingPathComponent(chosen)
            guard !FileManager.default.fileExists(atPath: target.path) else {
                throw ValidationError("\(target.path) already exists; choose another --name")
            }
            let (config, _) = try GPT2Model.describe(source)
            let storage = try files.storageType()
            printStatus("Importing \(base) (\(String(format: "%.0fM", Double(config.parameterCount) / 1e6)) parameters, \(storage))…")

            try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
            let work = models.appendingPathComponent(".\(chosen).importing")
            try? FileManager.default.removeItem(at: work)
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: work) }
            try HuggingFaceWriter.write(from: source, to: work) { done, total in
                printStatus("  weights: \(done) of \(total) tensors", replacing: true, last: done == total)
            }
            try writeTokenizer(from: files, to: work)

            // The check: F16 weights compared at f16, everything else at f32 (block formats
            // were widened exactly, so the imported copy must match them bit for bit).
            let check: Precision = ["F16", "BF16"].contains(storage) ? .f16 : .f32
            let original = try continuation(of: source, precision: check)
            let imported = try continuation(of: work, precision: check)
            guard original == imported else {
                throw ValidationError("the imported copy continues the check prompt differently; it was not kept")
            }
            try FileManager.default.moveItem(at: work, to: target)
            if let precision, precision != check {
                printStatus("Preparing \(precision) weights…")
                _ = try GPT2Model(directory: target, precision: precision)
            }
            let prepared = precision.map { "; \($0) weights prepared" } ?? ""
            writeOut("Imported \(chosen) into \(target.path) (as \(storage.hasPrefix("Q") ? "F32" : storage)\(prepared)); "
                     + "checked: the same \(original.count) greedy tokens as the original.\n")
        }
    }

    /// Greedy tokens after the check prompt, with the model at `url` loaded at `precision`.
    private func continuation(of url: URL, precision: Precision) throws -> [Int] {
        let engine = try TextEngine(directory: url, precision: precision)
        let request = GenerationRequest(maxTokens: 16, sampling: .greedy, seed: 0)
        return try engine.generate(prompt: Self.checkPrompt, request: request).tokens
    }

    /// The tokenizer files beside the weights: copied, or written from a GGUF's vocabulary.
    private func writeTokenizer(from source: ModelFiles, to folder: URL) throws {
        if let gguf = source.ggufFile {
            let vocabulary = try GPT2Model.ggufVocabulary(at: gguf)
            try JSONSerialization.data(withJSONObject: vocabulary.ids, options: [.sortedKeys]).write(to: folder.appendingPathComponent("vocab.json"))
            try Data(("#version: 0.2\n" + vocabulary.merges.joined(separator: "\n") + "\n").utf8)
                .write(to: folder.appendingPathComponent("merges.txt"))
            return
        }
        let from = source.folder
        for (vocabulary, merges) in [("vocab.json", "merges.txt"), ("encoder.json", "vocab.bpe")] {
            let a = from.appendingPathComponent(vocabulary), b = from.appendingPathComponent(merges)
            if FileManager.default.fileExists(atPath: a.path) && FileManager.default.fileExists(atPath: b.path) {
                try FileManager.default.copyItem(at: a, to: folder.appendingPathComponent("vocab.json"))
                try FileManager.default.copyItem(at: b, to: folder.appendingPathComponent("merges.txt"))
                return
            }
        }
        throw ValidationError("no tokenizer in \(from.path): expected vocab.json and merges.txt (or encoder.json and vocab.bpe)")
    }

    private func printStatus(_ line: String, replacing: Bool = false, last: Bool = true) {
        let onTerminal = isatty(STDERR_FILENO) == 1
        if replacing && onTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line + (last ? "\n" : "")).utf8))
        } else if !replacing || last {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }
}
