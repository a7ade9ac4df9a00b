import Foundation

/// Where a model's files are and which format holds its weights: the one place that picks
/// a checkpoint reader from what is on disk. A model path is a Hugging Face folder
/// (`model.safetensors`, or `pytorch_model.bin`), a `.bin` or `.gguf` file, a folder holding
/// one `.gguf`, or a TensorFlow release (`hparams.json` and a checkpoint prefix). Safetensors
/// wins when present; then GGUF, PyTorch and TensorFlow, in that order.
public enum ModelFiles: Sendable {
    case safetensors(folder: URL)
    case gguf(file: URL)
    /// `pytorch_model.bin` (or any `.bin`), with `config.json` beside it.
    case pytorch(file: URL)
    /// A checkpoint prefix (`…/model.ckpt`), with `hparams.json` beside it.
    case tensorFlow(prefix: URL)

    public init(_ url: URL) {
        let manager = FileManager.default
        func has(_ name: String) -> Bool { manager.fileExists(atPath: url.appendingPathComponent(name).path) }
        switch url.pathExtension.lowercased() {
        case "gguf": self = .gguf(file: url); return
        case "bin": self = .pytorch(file: url); return
        default: break
        }
        if !has("model.safetensors") {
            let ggufs = ((try? manager.contentsOfDirectory(atPath: url.path)) ?? []).filter { $0.lowercased().hasSuffix(".gguf") }
            if ggufs.count == 1 { self = .gguf(file: url.appendingPathComponent(ggufs[0])); return }
            if has("pytorch_model.bin") { self = .pytorch(file: url.appendingPathComponent("pytorch_model.bin")); return }
            if has("hparams.json"), let prefix = TensorBundle.prefix(in: url) { self = .tensorFlow(prefix: prefix); return }
        }
        self = .safetensors(folder: url)
    }

    /// The model path as given, checked before any file in it is looked for: a path that does
    /// not exist, or a file that is no model format, is named as such (not as a missing
    /// config.json inside it).
    public static func check(_ url: URL) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw CheckpointError.noModel(path: url.path)
        }
        if !isFolder.boolValue && !["gguf", "bin"].contains(url.pathExtension.lowercased()) {
            throw CheckpointError.notAModel(path: url.path)
        }
    }

    /// The folder the model's other files (config, tokenizer, compact-weights cache) sit in.
    public var folder: URL {
        switch self {
        case .safetensors(let folder): folder
        case .gguf(let file), .pytorch(let file): file.deletingLastPathComponent()
        case .tensorFlow(let prefix): prefix.deletingLastPathComponent()
        }
    }

    /// The model's name for players: a GGUF file's name, otherwise its folder's.
    public var name: String {
        if case .gguf(let file) = self { return file.deletingPathExtension().lastPathComponent }
        return folder.lastPathComponent
    }

    /// The GGUF file, when the weights (and the vocabulary) are in one.
    public var ggufFile: URL? {
        if case .gguf(let file) = self { return file }
        return nil
    }

    /// The file holding the weights (the first data shard of a TensorFlow checkpoint).
    public var weightsFile: URL {
        switch self {
        case .safetensors(let folder): folder.appendingPathComponent("model.safetensors")
        case .gguf(let file), .pytorch(let file): file
        case .tensorFlow(let prefix): URL(fileURLWithPath: prefix.path + ".data-00000-of-00001")
        }
    }

    /// Whether the files a load needs are there (for listing installed models).
    public var isComplete: Bool {
        let manager = FileManager.default
        switch self {
        case .safetensors(let folder):
            return manager.fileExists(atPath: folder.appendingPathComponent("config.json").path)
                && manager.fileExists(atPath: weightsFile.path)
        case .pytorch: return manager.fileExists(atPath: folder.appendingPathComponent("config.json").path)
                && manager.fileExists(atPath: weightsFile.path)
        case .gguf(let file): return manager.fileExists(atPath: file.path)
        case .tensorFlow: return true
        }
    }

    /// The compact weights' cache file name for `precision` ("model.q8.dungeon"; a GGUF's
    /// own name, so that several in one folder do not share one).
    func cacheName(_ precision: Precision) -> String {
        "\(ggufFile == nil ? "model" : name).\(precision.rawValue).dungeon"
    }

    /// The model's shape, from its config file or header.
    public func config() throws -> GPT2Config {
        switch self {
        case .safetensors, .pytorch: try GPT2Config(contentsOf: folder.appendingPathComponent("config.json"))
        case .gguf(let file): try GGUF(file: MappedFile(path: file.path)).config()
        case .tensorFlow: try GPT2Config(hparamsAt: folder.appendingPathComponent("hparams.json"))
        }
    }

    /// The layers' matrices' type as players know it ("F32", "F16", "Q8_0"), from the headers.
    public func storageType() throws -> String {
        switch self {
        case .safetensors: try SafeTensors(file: MappedFile(path: weightsFile.path)).storageType
        case .gguf(let file): try GGUF(file: MappedFile(path: file.path)).storageType
        case .pytorch(let file): try PyTorchCheckpoint(file: MappedFile(path: file.path)).checkpoint().storageType
        case .tensorFlow(let prefix): TensorBundle.storageType(of: try TensorBundle(prefix: prefix))
        }
    }

    /// The tensors, mapped (k-quants widened, TensorFlow checksums verified).
    func checkpoint() throws -> Checkpoint {
        switch self {
        case .safetensors: try SafeTensors(file: MappedFile(path: weightsFile.path)).checkpoint
        case .gguf(let file): try GGUF(file: MappedFile(path: file.path)).checkpoint()
        case .pytorch(let file): try PyTorchCheckpoint(file: MappedFile(path: file.path)).checkpoint()
        case .tensorFlow(let prefix): try TensorBundle(prefix: prefix).checkpoint()
        }
    }
}
