import Foundation

/// A loaded GPT-2 checkpoint: its shape and its immutable weights.
///
/// One model can back any number of `InferenceSession`s, each with its own KV cache.
public final class GPT2Model: Sendable {
    public let config: GPT2Config
    let weights: ModelWeights

    /// The storage type of the checkpoint's matrices: "F32", "F16" or "BF16".
    public var storageType: String { weights.storageType }
    /// Bytes of F32 copies made at load (0 when an F32 file is used in place).
    public var convertedBytes: Int { weights.convertedBytes }

    /// Loads `config.json` and `model.safetensors` from a Hugging Face GPT-2 folder.
    /// The safetensors file is memory-mapped; F16 and BF16 weights are widened to F32 once.
    public convenience init(directory: URL) throws {
        let config = try GPT2Config(contentsOf: directory.appendingPathComponent("config.json"))
        try self.init(config: config, safetensors: directory.appendingPathComponent("model.safetensors"))
    }

    /// The storage type of a checkpoint's matrices, read from its header alone (no weights are
    /// loaded), for listings.
    public static func storageType(ofCheckpointAt url: URL) throws -> String {
        try SafeTensors(file: MappedFile(path: url.path)).storageType
    }

    public init(config: GPT2Config, safetensors url: URL) throws {
        try config.validate(path: url.path)
        // Refuse before mapping anything: F32 weights plus a full KV cache must fit in memory.
        let needed = config.estimatedMemoryBytes
        if let available = SystemMemory.availableBytes(), needed > available {
            throw CheckpointError.tooLarge(path: url.path, neededBytes: needed, availableBytes: available)
        }
        let checkpoint = try SafeTensors(file: MappedFile(path: url.path))
        self.config = config
        self.weights = try ModelWeights(checkpoint: checkpoint, config: config)
    }
}
