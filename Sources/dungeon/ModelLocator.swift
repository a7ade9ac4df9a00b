import Foundation
import GPT2

/// Finds the model to play with: `--model`, then `DUNGEON_MODEL`, then the models folder.
enum ModelLocator {
    /// Sub-folders of `folder` that hold a Hugging Face GPT-2 checkpoint, by name.
    static func installed(in folder: URL) -> [URL] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        return names.sorted().map { folder.appendingPathComponent($0) }.filter(isModel)
    }

    /// A model dungeon can load: a Hugging Face folder (safetensors or pytorch_model.bin), a
    /// GGUF file (or a folder holding one), or a TensorFlow release.
    static func isModel(_ folder: URL) -> Bool {
        ModelFiles(folder).isComplete
    }

    /// The model folder to use, or a message saying how to get one.
    static func resolve(explicit: String?, modelsFolder: URL) -> Result<URL, ModelMissing> {
        if let explicit = explicit ?? ProcessInfo.processInfo.environment["DUNGEON_MODEL"], !explicit.isEmpty {
            return .success(URL(fileURLWithPath: (explicit as NSString).expandingTildeInPath))
        }
        let models = installed(in: modelsFolder)
        let preferred = ["gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "distilgpt2"]
        if let best = preferred.lazy.compactMap({ name in models.first { $0.lastPathComponent == name } }).first ?? models.first {
            return .success(best)
        }
        return .failure(ModelMissing(modelsFolder: modelsFolder.path))
    }
}

struct ModelMissing: Error, CustomStringConvertible {
    var modelsFolder: String

    var description: String {
        "No GPT-2 model found in \(modelsFolder). Get one with `dungeon models download gpt2` (548 MB), "
            + "or play with any Hugging Face GPT-2 folder: `dungeon play --model DIR`."
    }
}
