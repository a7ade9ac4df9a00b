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

    /// Loads the model at `path` (see `ModelFiles`: a Hugging Face folder with safetensors or
    /// `pytorch_model.bin`, a GGUF file, or a TensorFlow release) at `precision` (default: the
    /// one a player would choose: `defaultPrecision`). Weights are memory-mapped and used as
    /// stored where they can be; converted matrices are cached in `cacheDirectory` (default:
    /// the model's folder, or the user's cache folder when that is read-only).
    public convenience init(directory path: URL, precision: Precision? = nil, cacheDirectory: URL? = nil) throws {
        try ModelFiles.check(path)
        let files = ModelFiles(path)
        let config = try files.config()
        // Refused before anything is mapped when it would not fit even at its smallest, then at
        // the precision chosen.
        try Self.checkMemory(config: config, precision: precision ?? (config.blockFormatsFit ? .q4 : .f16), path: files.weightsFile.path)
        let precision = try precision ?? Self.defaultPrecision(config: config, storageType: files.storageType())
        try Self.checkMemory(config: config, precision: precision, path: files.weightsFile.path)
        let cacheURL = (cacheDirectory ?? Self.cacheFolder(forModelAt: files.folder)).appendingPathComponent(files.cacheName(precision))
        try self.init(config: config, checkpoint: try files.checkpoint(), precision: precision, cacheURL: cacheURL)
    }

    /// The shape of the model at `path`, read from its config or headers alone, and the
    /// precision a player would choose for it.
    public static func describe(_ path: URL) throws -> (config: GPT2Config, precision: Precision) {
        try ModelFiles.check(path)
        let files = ModelFiles(path)
        let config = try files.config()
        return (config, defaultPrecision(config: config, storageType: try files.storageType()))
    }

    /// A GGUF file's vocabulary: each token string's id (the first, if a string repeats),
    /// and the merges in rank order.
    public static func ggufVocabulary(at url: URL) throws -> (ids: [String: Int], merges: [String]) {
        let vocabulary = try GGUF(file: MappedFile(path: url.path)).vocabulary()
        let ids = Dictionary(vocabulary.tokens.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return (ids, vocabulary.merges)
    }

    /// The storage type of a safetensors checkpoint's matrices, read from its header alone.
    public static func storageType(ofCheckpointAt url: URL) throws -> String {
        try SafeTensors(file: MappedFile(path: url.path)).storageType
    }

    /// The precision a player would choose for a checkpoint stored as `storageType`: a
    /// block-quantized file as stored (Q8_0 at q8, Q4_0 or Q4_1 at q4), a float one by
    /// `Precision.playerDefault`.
    public static func defaultPrecision(config: GPT2Config, storageType: String) -> Precision {
        switch storageType {
        case "Q8_0": return .q8
        case "Q4_0", "Q4_1": return .q4
        default:
            let stored: Precision = storageType == "F32" ? .f32 : .f16
            return Precision.playerDefault(for: config, storedAs: stored, availableBytes: SystemMemory.availableBytes())
        }
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
        return userCacheFolder("weights").appendingPathComponent(folderName(forModelAt: directory))
    }

    /// `dungeon/<kind>` in the user's cache folder (`XDG_CACHE_HOME`, else `~/.cache`).
    public static func userCacheFolder(_ kind: String) -> URL {
        let base = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return base.appendingPathComponent("dungeon").appendingPathComponent(kind)
    }

    /// A name for the model at `directory` in a cache folder: its own name and a hash of its path.
    public static func folderName(forModelAt directory: URL) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a of the absolute path: stable across runs
        for byte in directory.standardizedFileURL.path.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return "\(directory.lastPathComponent)-\(String(hash, radix: 16))"
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
