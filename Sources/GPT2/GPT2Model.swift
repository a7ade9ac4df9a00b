import Foundation

/// A loaded GPT-2 checkpoint: its shape and its immutable weights at one precision.
///
/// One model can back any number of `InferenceSession`s, each with its own KV cache.
public final class GPT2Model: Sendable {
    public let config: GPT2Config
    let weights: ModelWeights

    /// The storage type of the checkpoint's matrices: "F32", "F16" or "BF16".
    public var storageType: String { weights.storageType }
    /// The precision the model is played at.
    public var precision: Precision { weights.precision }
    /// What the checkpoint holds that is not used (extra layers), worded for the player.
    public var warnings: [String] { weights.warnings }
    /// The format of the layers' matrices in memory ("F32", "F16", "BF16", "Q8_0", "Q4_0").
    public var matrixFormat: String { weights.matrixFormat.description }
    /// Bytes of converted weights (F32 copies made at load, or the mapped compact cache);
    /// 0 when the checkpoint is used as stored.
    public var convertedBytes: Int { weights.convertedBytes }

    /// Loads `config.json` and `model.safetensors` from a Hugging Face GPT-2 folder at
    /// `precision` (default: `Precision.playerDefault`). The checkpoint is memory-mapped;
    /// converted matrices are cached in `cacheDirectory` (default: the model's folder, or
    /// the user's cache folder when that is read-only).
    public convenience init(directory: URL, precision: Precision? = nil, cacheDirectory: URL? = nil) throws {
        if let gguf = Self.ggufFile(at: directory) {
            try self.init(gguf: gguf, precision: precision, cacheDirectory: cacheDirectory)
            return
        }
        if let bin = Self.pytorchFile(at: directory) {
            try self.init(pytorch: bin, precision: precision, cacheDirectory: cacheDirectory)
            return
        }
        if let prefix = Self.tensorFlowPrefix(at: directory) {
            try self.init(tensorFlow: prefix, precision: precision, cacheDirectory: cacheDirectory)
            return
        }
        let config = try GPT2Config(contentsOf: directory.appendingPathComponent("config.json"))
        let weightsURL = directory.appendingPathComponent("model.safetensors")
        // Refuse before opening anything a model that would not fit even at its smallest.
        try Self.checkMemory(config: config, precision: precision ?? (config.blockFormatsFit ? .q4 : .f16), path: weightsURL.path)
        let precision = try precision ?? Self.defaultPrecision(config: config, checkpointAt: weightsURL)
        try self.init(config: config, safetensors: weightsURL, precision: precision,
                      cacheURL: Self.cacheURL(forModelAt: directory, precision: precision, in: cacheDirectory))
    }

    /// Loads a GGUF file (llama.cpp's format) at `precision` (default: its matrices as stored:
    /// Q8_0 at q8, Q4_0 or Q4_1 at q4; F16 and F32 as a player would choose for the size).
    public convenience init(gguf url: URL, precision: Precision? = nil, cacheDirectory: URL? = nil) throws {
        let gguf = try GGUF(file: MappedFile(path: url.path))
        let config = try gguf.config()
        let checkpoint = gguf.checkpoint
        let precision = precision ?? Self.defaultPrecision(config: config, storageType: checkpoint.storageType)
        try Self.checkMemory(config: config, precision: precision, path: url.path)
        let folder = cacheDirectory ?? Self.cacheFolder(forModelAt: url.deletingLastPathComponent())
        let cacheURL = folder.appendingPathComponent("\(url.deletingPathExtension().lastPathComponent).\(precision.rawValue).dungeon")
        try self.init(config: config, checkpoint: checkpoint, precision: precision, cacheURL: cacheURL)
    }

    /// Loads a PyTorch checkpoint (`pytorch_model.bin`, zip or legacy) with the `config.json`
    /// beside it. Its pickle is read, never run.
    public convenience init(pytorch url: URL, precision: Precision? = nil, cacheDirectory: URL? = nil) throws {
        let folder = url.deletingLastPathComponent()
        let config = try GPT2Config(contentsOf: folder.appendingPathComponent("config.json"))
        try Self.checkMemory(config: config, precision: precision ?? (config.blockFormatsFit ? .q4 : .f16), path: url.path)
        let checkpoint = try PyTorchCheckpoint(file: MappedFile(path: url.path)).checkpoint()
        let precision = precision ?? Self.defaultPrecision(config: config, storageType: checkpoint.storageType)
        try self.init(config: config, checkpoint: checkpoint, precision: precision,
                      cacheURL: Self.cacheURL(forModelAt: folder, precision: precision, in: cacheDirectory))
    }

    /// Loads a TensorFlow checkpoint in OpenAI's GPT-2 layout (OpenAI's release, AI Dungeon 2's
    /// `model_v5`) with the `hparams.json` beside it. Checksums are verified.
    public convenience init(tensorFlow prefix: URL, precision: Precision? = nil, cacheDirectory: URL? = nil) throws {
        let folder = prefix.deletingLastPathComponent()
        let config = try GPT2Config(hparamsAt: folder.appendingPathComponent("hparams.json"))
        try Self.checkMemory(config: config, precision: precision ?? (config.blockFormatsFit ? .q4 : .f16), path: prefix.path)
        let checkpoint = try TensorBundle(prefix: prefix).checkpoint()
        let precision = precision ?? Self.defaultPrecision(config: config, storageType: checkpoint.storageType)
        try self.init(config: config, checkpoint: checkpoint, precision: precision,
                      cacheURL: Self.cacheURL(forModelAt: folder, precision: precision, in: cacheDirectory))
    }

    /// The TensorFlow checkpoint prefix of a folder with `hparams.json` and no safetensors.
    public static func tensorFlowPrefix(at url: URL) -> URL? {
        let manager = FileManager.default
        guard manager.fileExists(atPath: url.appendingPathComponent("hparams.json").path),
              !manager.fileExists(atPath: url.appendingPathComponent("model.safetensors").path) else { return nil }
        return TensorBundle.prefix(in: url)
    }

    /// The PyTorch checkpoint a model path names: the `.bin` file itself, or a folder's
    /// `pytorch_model.bin` when it has no `model.safetensors`.
    public static func pytorchFile(at url: URL) -> URL? {
        if url.pathExtension.lowercased() == "bin" { return url }
        let manager = FileManager.default
        guard !manager.fileExists(atPath: url.appendingPathComponent("model.safetensors").path) else { return nil }
        let bin = url.appendingPathComponent("pytorch_model.bin")
        return manager.fileExists(atPath: bin.path) ? bin : nil
    }

    /// The GGUF file a model path names: the path itself, or the one `.gguf` in a folder
    /// that has no `model.safetensors`. Nil for a Hugging Face folder.
    public static func ggufFile(at url: URL) -> URL? {
        if url.pathExtension.lowercased() == "gguf" { return url }
        let manager = FileManager.default
        guard !manager.fileExists(atPath: url.appendingPathComponent("model.safetensors").path),
              let names = try? manager.contentsOfDirectory(atPath: url.path) else { return nil }
        let ggufs = names.filter { $0.lowercased().hasSuffix(".gguf") }
        return ggufs.count == 1 ? url.appendingPathComponent(ggufs[0]) : nil
    }

    /// The shape of the model at `url` (a Hugging Face folder or a GGUF file), read from its
    /// config or header alone, and the precision a player would choose for it.
    public static func describe(_ url: URL) throws -> (config: GPT2Config, precision: Precision) {
        if let file = ggufFile(at: url) {
            let gguf = try GGUF(file: MappedFile(path: file.path))
            let config = try gguf.config()
            return (config, defaultPrecision(config: config, storageType: gguf.storageType))
        }
        if let prefix = tensorFlowPrefix(at: url) {
            let config = try GPT2Config(hparamsAt: url.appendingPathComponent("hparams.json"))
            let type = TensorBundle.storageType(of: try TensorBundle(prefix: prefix))
            return (config, defaultPrecision(config: config, storageType: type))
        }
        if let bin = pytorchFile(at: url) {
            let config = try GPT2Config(contentsOf: bin.deletingLastPathComponent().appendingPathComponent("config.json"))
            let stored = try PyTorchCheckpoint(file: MappedFile(path: bin.path)).checkpoint().storageType
            return (config, defaultPrecision(config: config, storageType: stored))
        }
        let config = try GPT2Config(contentsOf: url.appendingPathComponent("config.json"))
        return (config, try defaultPrecision(config: config, checkpointAt: url.appendingPathComponent("model.safetensors")))
    }

    /// The file holding the weights of the model at `url`, and their storage type ("F16", "Q8_0").
    public static func weightsFile(ofModelAt url: URL) throws -> (file: URL, storageType: String) {
        if let file = ggufFile(at: url) { return (file, try GGUF(file: MappedFile(path: file.path)).storageType) }
        if let prefix = tensorFlowPrefix(at: url) {
            return (URL(fileURLWithPath: prefix.path + ".data-00000-of-00001"), TensorBundle.storageType(of: try TensorBundle(prefix: prefix)))
        }
        if let file = pytorchFile(at: url) { return (file, try PyTorchCheckpoint(file: MappedFile(path: file.path)).checkpoint().storageType) }
        let file = url.appendingPathComponent("model.safetensors")
        return (file, try storageType(ofCheckpointAt: file))
    }

    /// A GGUF file's vocabulary: token strings in id order, and merges in rank order.
    public static func ggufVocabulary(at url: URL) throws -> (tokens: [String], merges: [String]) {
        try GGUF(file: MappedFile(path: url.path)).vocabulary()
    }

    static func defaultPrecision(config: GPT2Config, storageType: String) -> Precision {
        switch storageType {
        case "Q8_0": return .q8
        case "Q4_0", "Q4_1": return .q4
        default:
            let stored: Precision = storageType == "F32" ? .f32 : .f16
            return Precision.playerDefault(for: config, storedAs: stored, availableBytes: SystemMemory.availableBytes())
        }
    }

    /// The storage type of a checkpoint's matrices, read from its header alone (no weights are
    /// loaded), for listings.
    public static func storageType(ofCheckpointAt url: URL) throws -> String {
        try SafeTensors(file: MappedFile(path: url.path)).storageType
    }

    /// The precision a player would choose for this checkpoint (see `Precision.playerDefault`).
    public static func defaultPrecision(config: GPT2Config, checkpointAt url: URL) throws -> Precision {
        let stored: Precision = try storageType(ofCheckpointAt: url) == "F32" ? .f32 : .f16
        return Precision.playerDefault(for: config, storedAs: stored, availableBytes: SystemMemory.availableBytes())
    }

    /// Where the converted weights of the model in `directory` at `precision` are cached:
    /// `model.q8.dungeon` in `folder`, or by default in `cacheFolder(forModelAt:)`.
    public static func cacheURL(forModelAt directory: URL, precision: Precision, in folder: URL? = nil) -> URL {
        (folder ?? cacheFolder(forModelAt: directory)).appendingPathComponent("model.\(precision.rawValue).dungeon")
    }

    /// The compact weights' folder: the model's own when it can be written, else one in the
    /// user's cache folder named after the model's path.
    public static func cacheFolder(forModelAt directory: URL) -> URL {
        // A folder whose mode says read-only is respected even by root, whom access() lets write.
        var status = stat()
        if access(directory.path, W_OK) == 0, stat(directory.path, &status) == 0, status.st_mode & S_IWUSR != 0 {
            return directory
        }
        let base = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a of the absolute path: stable across runs
        for byte in directory.standardizedFileURL.path.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return base.appendingPathComponent("dungeon/weights")
            .appendingPathComponent("\(directory.lastPathComponent)-\(String(hash, radix: 16))")
    }

    public convenience init(config: GPT2Config, safetensors url: URL, precision: Precision = .f32, cacheURL: URL? = nil) throws {
        try config.validate(path: url.path)
        try Self.checkMemory(config: config, precision: precision, path: url.path)
        let checkpoint = try SafeTensors(file: MappedFile(path: url.path)).checkpoint
        try self.init(config: config, checkpoint: checkpoint, precision: precision, cacheURL: cacheURL)
    }

    init(config: GPT2Config, checkpoint: Checkpoint, precision: Precision, cacheURL: URL?) throws {
        self.config = config
        self.weights = try ModelWeights(checkpoint: checkpoint, config: config, precision: precision, cacheURL: cacheURL)
    }

    /// Refuses, before mapping anything, a model whose weights at `precision` and a full KV
    /// cache would not fit in the memory available.
    private static func checkMemory(config: GPT2Config, precision: Precision, path: String) throws {
        let needed = config.estimatedMemoryBytes(precision: precision)
        if let available = SystemMemory.availableBytes(), needed > available {
            throw CheckpointError.tooLarge(path: path, neededBytes: needed, availableBytes: available)
        }
    }
}
