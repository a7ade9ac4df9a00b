/// How the model's matrices are held in memory while playing.
///
/// `f32` and `f16` keep a checkpoint's own numbers (F16 and BF16 files are used as stored,
/// mapped, never widened); `q8` and `q4` are block formats with a scale per 32 weights
/// (8-bit: 1.06 bytes per weight; 4-bit: 0.625, with the attention's qkv kept at 8-bit, 0.73
/// on average), made once from the checkpoint and cached beside it. Generation streams every weight once per token, so fewer bytes per
/// weight is proportionally more tokens per second.
public enum Precision: String, CaseIterable, Sendable, CustomStringConvertible {
    case f32, f16, q8, q4

    public var description: String { rawValue }

    /// Bytes per weight of the layers' matrices.
    var bytesPerWeight: Double {
        switch self {
        case .f32: 4
        case .f16: 2
        case .q8: 34.0 / 32
        case .q4: (3 * 34.0 / 32 + 9 * 20.0 / 32) / 12  // qkv (3 of a layer's 12 C²) stays 8-bit
        }
    }

    /// The precision a player would choose: the checkpoint as stored up to gpt2-medium's
    /// size (they already write faster than anyone reads), 8-bit for gpt2-large and XL
    /// (2-4x faster than F32 with a perplexity change under 1 %), and 4-bit when 8-bit
    /// would not fit in `availableBytes`.
    public static func playerDefault(for config: GPT2Config, storedAs stored: Precision, availableBytes: Int?) -> Precision {
        guard config.blockFormatsFit else { return stored }
        let choice: Precision = config.parameterCount < 500_000_000 ? stored : .q8
        if let available = availableBytes, config.estimatedMemoryBytes(precision: choice) > available,
           config.estimatedMemoryBytes(precision: .q4) <= available {
            return .q4
        }
        return choice
    }
}

extension GPT2Config {
    /// The block formats need every matrix's input width to be a whole number of blocks.
    public var blockFormatsFit: Bool { hiddenSize % 32 == 0 && feedForwardSize % 32 == 0 }

    /// Memory to play at `precision`: the matrices, the token embedding (8-bit for the block
    /// formats), the small F32 tensors and two KV caches for the whole window (F16 with the
    /// block formats, see `InferenceSession.cacheFormat`): the game's, and the second one it
    /// reads the upcoming prompt into.
    public func estimatedMemoryBytes(precision: Precision) -> Int {
        let c = hiddenSize, f = feedForwardSize
        let matrices = Double(layerCount * (c * 3 * c + c * c + 2 * c * f)) * precision.bytesPerWeight
        let embeddingBytes = precision == .q4 ? Precision.q8.bytesPerWeight : precision.bytesPerWeight
        let embedding = Double(vocabularySize * c) * embeddingBytes
        let small = (contextLength * c + layerCount * (10 * c + f)) * 4
        let cache = 2 * layerCount * contextLength * hiddenSize * (precision == .q8 || precision == .q4 ? 2 : 4)
        return Int(matrices + embedding) + small + 2 * cache
    }
}
