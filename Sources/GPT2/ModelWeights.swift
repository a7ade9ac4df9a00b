import Foundation

/// Views of one transformer block's weights, in GPT-2's Conv1D `(in, out)` row-major layout.
struct LayerWeights {
    var attentionNormGain: UnsafePointer<Float>      // (C)
    var attentionNormBias: UnsafePointer<Float>      // (C)
    var qkvWeight: UnsafePointer<Float>              // (C, 3C): columns are q, then k, then v
    var qkvBias: UnsafePointer<Float>                // (3C)
    var attentionOutWeight: UnsafePointer<Float>     // (C, C)
    var attentionOutBias: UnsafePointer<Float>       // (C)
    var mlpNormGain: UnsafePointer<Float>            // (C)
    var mlpNormBias: UnsafePointer<Float>            // (C)
    var mlpUpWeight: UnsafePointer<Float>            // (C, F)
    var mlpUpBias: UnsafePointer<Float>              // (F)
    var mlpDownWeight: UnsafePointer<Float>          // (F, C)
    var mlpDownBias: UnsafePointer<Float>            // (C)
}

/// All of a model's weights as F32 views into one region: the mapped checkpoint itself
/// for F32 tensors, or one allocation holding F32 copies of F16 / BF16 tensors.
///
/// `@unchecked Sendable`: every pointer points into `file` or `converted`, both owned
/// by this object, written only during `init` and released in `deinit`; after that
/// the weights are read-only and may be shared by any number of sessions.
final class ModelWeights: @unchecked Sendable {
    let tokenEmbedding: UnsafePointer<Float>      // (V, C)
    let positionEmbedding: UnsafePointer<Float>   // (P, C)
    let finalNormGain: UnsafePointer<Float>       // (C)
    let finalNormBias: UnsafePointer<Float>       // (C)
    /// The output projection: `tokenEmbedding` itself when tied, as in GPT-2.
    let outputProjection: UnsafePointer<Float>    // (V, C)
    let layers: [LayerWeights]
    /// The storage type of the checkpoint's matrices ("F32", "F16" or "BF16").
    let storageType: String
    /// Bytes allocated for F32 copies (0 when every tensor is used in place from the file).
    let convertedBytes: Int

    private let file: MappedFile
    private let converted: UnsafeMutableRawPointer?

    init(checkpoint: SafeTensors, config: GPT2Config) throws {
        let path = checkpoint.file.path
        let c = config.hiddenSize, f = config.feedForwardSize
        var wanted: [(name: String, shape: [Int])] = [
            ("wte.weight", [config.vocabularySize, c]),
            ("wpe.weight", [config.contextLength, c]),
            ("ln_f.weight", [c]), ("ln_f.bias", [c]),
        ]
        for layer in 0..<config.layerCount {
            let p = "h.\(layer)."
            wanted += [
                (p + "ln_1.weight", [c]), (p + "ln_1.bias", [c]),
                (p + "attn.c_attn.weight", [c, 3 * c]), (p + "attn.c_attn.bias", [3 * c]),
                (p + "attn.c_proj.weight", [c, c]), (p + "attn.c_proj.bias", [c]),
                (p + "ln_2.weight", [c]), (p + "ln_2.bias", [c]),
                (p + "mlp.c_fc.weight", [c, f]), (p + "mlp.c_fc.bias", [f]),
                (p + "mlp.c_proj.weight", [f, c]), (p + "mlp.c_proj.bias", [c]),
            ]
        }

        // Tensor names come with or without the `transformer.` prefix, depending on the exporter.
        func find(_ name: String) -> (String, SafeTensors.Tensor)? {
            for candidate in ["transformer." + name, name] {
                if let tensor = checkpoint.tensors[candidate] { return (candidate, tensor) }
            }
            return nil
        }
        var resolved: [(key: String, tensor: SafeTensors.Tensor)] = []
        for (name, shape) in wanted {
            guard let (fullName, tensor) = find(name) else {
                throw CheckpointError.missingTensor(path: path, tensor: "transformer." + name)
            }
            guard tensor.shape == shape else {
                throw CheckpointError.shapeMismatch(path: path, tensor: fullName, expected: shape, actual: tensor.shape)
            }
            resolved.append((name, tensor))
        }
        if let head = checkpoint.tensors["lm_head.weight"] {
            let shape = [config.vocabularySize, c]
            guard head.shape == shape else {
                throw CheckpointError.shapeMismatch(path: path, tensor: "lm_head.weight", expected: shape, actual: head.shape)
            }
            // A tied head is stored once in safetensors; a separate copy is used only if it differs.
            let tokenEmbedding = resolved[0].tensor
            if head.offset != tokenEmbedding.offset || head.dtype != tokenEmbedding.dtype {
                resolved.append(("lm_head.weight", head))
            }
        }

        func usableInPlace(_ tensor: SafeTensors.Tensor) -> Bool {
            tensor.dtype == .f32 && tensor.offset % MemoryLayout<Float>.alignment == 0
        }
        let convertedBytes = resolved.reduce(0) { total, entry in
            usableInPlace(entry.tensor) ? total : total + (entry.tensor.elementCount * 4 + 63) / 64 * 64
        }
        if let available = SystemMemory.availableBytes(), convertedBytes > available {
            throw CheckpointError.tooLarge(path: path, neededBytes: convertedBytes, availableBytes: available)
        }
        let converted = convertedBytes > 0
            ? UnsafeMutableRawPointer.allocate(byteCount: convertedBytes, alignment: 64) : nil

        var views: [String: UnsafePointer<Float>] = [:]
        var cursor = 0
        let base = checkpoint.file.bytes.baseAddress!  // a mapped file is never empty
        for (key, tensor) in resolved {
            let source = base + tensor.offset
            if usableInPlace(tensor) {
                views[key] = source.assumingMemoryBound(to: Float.self)
                continue
            }
            let destination = (converted! + cursor).bindMemory(to: Float.self, capacity: tensor.elementCount)
            Self.convert(source, dtype: tensor.dtype, count: tensor.elementCount, into: destination)
            views[key] = UnsafePointer(destination)
            cursor += (tensor.elementCount * 4 + 63) / 64 * 64
        }

        self.file = checkpoint.file
        self.converted = converted
        self.convertedBytes = convertedBytes
        self.storageType = checkpoint.storageType
        tokenEmbedding = views["wte.weight"]!
        positionEmbedding = views["wpe.weight"]!
        finalNormGain = views["ln_f.weight"]!
        finalNormBias = views["ln_f.bias"]!
        outputProjection = views["lm_head.weight"] ?? tokenEmbedding
        layers = (0..<config.layerCount).map { layer in
            let view = { (name: String) in views["h.\(layer).\(name)"]! }  // every name was resolved above
            return LayerWeights(
                attentionNormGain: view("ln_1.weight"), attentionNormBias: view("ln_1.bias"),
                qkvWeight: view("attn.c_attn.weight"), qkvBias: view("attn.c_attn.bias"),
                attentionOutWeight: view("attn.c_proj.weight"), attentionOutBias: view("attn.c_proj.bias"),
                mlpNormGain: view("ln_2.weight"), mlpNormBias: view("ln_2.bias"),
                mlpUpWeight: view("mlp.c_fc.weight"), mlpUpBias: view("mlp.c_fc.bias"),
                mlpDownWeight: view("mlp.c_proj.weight"), mlpDownBias: view("mlp.c_proj.bias"))
        }
    }

    deinit {
        converted?.deallocate()
    }

    /// Widens F16 / BF16 (or unaligned F32) elements to F32.
    private static func convert(
        _ source: UnsafeRawPointer, dtype: SafeTensors.DType, count: Int,
        into destination: UnsafeMutablePointer<Float>
    ) {
        switch dtype {
        case .f32:
            memcpy(destination, source, count * 4)
        case .f16:
            for i in 0..<count {
                destination[i] = Float(Float16(bitPattern: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        case .bf16:
            for i in 0..<count {
                let bits = UInt32(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16
                destination[i] = Float(bitPattern: bits)
            }
        }
    }
}

/// What the operating system says about memory (Linux's /proc; nil elsewhere).
public enum SystemMemory {
    /// `MemAvailable` from /proc/meminfo, when the system reports it.
    public static func availableBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kib = Int(fields[1]) { return kib * 1024 }
        }
        return nil
    }

    /// The process's peak resident memory (`VmHWM`), in bytes.
    public static func peakResidentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kib = Int(fields[1]) { return kib * 1024 }
        }
        return nil
    }
}
