import CKernels
import Foundation

/// Views of one transformer block's weights.
struct LayerWeights {
    var attentionNormGain: UnsafePointer<Float>      // (C)
    var attentionNormBias: UnsafePointer<Float>      // (C)
    var qkv: WeightMatrix                            // C -> 3C: outputs are q, then k, then v
    var qkvBias: UnsafePointer<Float>                // (3C)
    var attentionOut: WeightMatrix                   // C -> C
    var attentionOutBias: UnsafePointer<Float>       // (C)
    var mlpNormGain: UnsafePointer<Float>            // (C)
    var mlpNormBias: UnsafePointer<Float>            // (C)
    var mlpUp: WeightMatrix                          // C -> F
    var mlpUpBias: UnsafePointer<Float>              // (F)
    var mlpDown: WeightMatrix                        // F -> C
    var mlpDownBias: UnsafePointer<Float>            // (C)
}

/// All of a model's weights at one precision, as views into regions this object owns:
/// the mapped checkpoint (tensors used as stored), the mapped compact cache (converted
/// matrices), and small allocations (F32 copies of F16 vectors, or every tensor when
/// F16 weights are played at F32).
///
/// `@unchecked Sendable`: every pointer points into `owners`, written only during `init`;
/// after that the weights are read-only and may be shared by any number of sessions.
final class ModelWeights: @unchecked Sendable {
    let tokenEmbedding: WeightMatrix              // (V, C) rows are tokens
    let positionEmbedding: UnsafePointer<Float>   // (P, C)
    let finalNormGain: UnsafePointer<Float>       // (C)
    let finalNormBias: UnsafePointer<Float>       // (C)
    /// The output projection, C -> V: `tokenEmbedding` itself when tied, as in GPT-2.
    let outputProjection: WeightMatrix
    let layers: [LayerWeights]
    /// The storage type of the checkpoint's matrices ("F32", "F16" or "BF16").
    let storageType: String
    let precision: Precision
    /// Bytes of converted weights: F32 copies made at load, or the mapped compact cache.
    let convertedBytes: Int
    /// What the checkpoint holds that is not used, for the player to hear about.
    let warnings: [String]

    private let owners: [AnyObject]

    private enum Role { case layerMatrix, embedding, vector }

    init(checkpoint: Checkpoint, config: GPT2Config, precision: Precision, cacheURL: URL?) throws {
        let path = checkpoint.file.path
        let c = config.hiddenSize, f = config.feedForwardSize
        var wanted: [(name: String, shape: [Int], role: Role)] = [
            ("wte.weight", [config.vocabularySize, c], .embedding),
            ("wpe.weight", [config.contextLength, c], .vector),
            ("ln_f.weight", [c], .vector), ("ln_f.bias", [c], .vector),
        ]
        for layer in 0..<config.layerCount {
            let p = "h.\(layer)."
            wanted += [
                (p + "ln_1.weight", [c], .vector), (p + "ln_1.bias", [c], .vector),
                (p + "attn.c_attn.weight", [c, 3 * c], .layerMatrix), (p + "attn.c_attn.bias", [3 * c], .vector),
                (p + "attn.c_proj.weight", [c, c], .layerMatrix), (p + "attn.c_proj.bias", [c], .vector),
                (p + "ln_2.weight", [c], .vector), (p + "ln_2.bias", [c], .vector),
                (p + "mlp.c_fc.weight", [c, f], .layerMatrix), (p + "mlp.c_fc.bias", [f], .vector),
                (p + "mlp.c_proj.weight", [f, c], .layerMatrix), (p + "mlp.c_proj.bias", [c], .vector),
            ]
        }

        var resolved: [(key: String, tensor: Checkpoint.Tensor, role: Role)] = []
        for (name, shape, role) in wanted {
            guard let tensor = checkpoint.tensors[name] else {
                throw CheckpointError.missingTensor(path: path, tensor: checkpoint.nameInFile(name))
            }
            guard tensor.shape == shape else {
                throw CheckpointError.shapeMismatch(path: path, tensor: checkpoint.nameInFile(name), expected: shape, actual: tensor.shape)
            }
            resolved.append((name, tensor, role))
        }
        // Layers beyond config.json's n_layer would be loaded by no one, and the model would
        // write garbage: a mismatched config (a copy of another model's) is refused.
        let fileLayers = Set(checkpoint.tensors.keys.compactMap { name -> Int? in
            guard name.hasPrefix("h."), let number = name.dropFirst(2).split(separator: ".").first else { return nil }
            return Int(number)
        })
        if let last = fileLayers.max(), last >= config.layerCount {
            throw CheckpointError.layerCountMismatch(path: path, config: config.layerCount, weights: last + 1)
        }
        warnings = []
        if let head = checkpoint.tensors["lm_head.weight"] {
            let shape = [config.vocabularySize, c]
            guard head.shape == shape else {
                throw CheckpointError.shapeMismatch(path: path, tensor: checkpoint.nameInFile("lm_head.weight"), expected: shape, actual: head.shape)
            }
            // A tied head is stored once; a separate copy is used only if it differs.
            let tokenEmbedding = resolved[0].tensor
            if head.data != tokenEmbedding.data || head.format != tokenEmbedding.format {
                resolved.append(("lm_head.weight", head, .embedding))
            }
        }
        if precision == .q8 || precision == .q4, !config.blockFormatsFit {
            throw CheckpointError.unsupportedPrecision(
                path: path, precision: precision.rawValue,
                reason: "the 8-bit and 4-bit formats need widths that are multiples of 32 (this model: \(c) and \(f))")
        }

        func sourceView(_ tensor: Checkpoint.Tensor, role: Role) -> WeightMatrix {
            if role == .vector {
                return WeightMatrix(format: tensor.format, layout: .outputsByInputs, inputs: tensor.elementCount,
                                    outputs: 1, data: tensor.data)
            }
            let byRows = role == .embedding
            return WeightMatrix(format: tensor.format, layout: byRows ? .outputsByInputs : tensor.layout,
                                inputs: byRows ? tensor.shape[1] : tensor.shape[0],
                                outputs: byRows ? tensor.shape[0] : tensor.shape[1], data: tensor.data)
        }
        func aligned(_ tensor: Checkpoint.Tensor) -> Bool {
            Int(bitPattern: tensor.data) % (tensor.format.isBlockFormat ? 2 : tensor.format.byteCount(elements: 1)) == 0
        }

        // Where each matrix comes from: as stored, widened to F32 in memory, or the compact cache.
        var matrices: [String: WeightMatrix] = [:]
        var requests: [CompactWeightsFile.Request] = []
        var widened: [(key: String, tensor: Checkpoint.Tensor, role: Role)] = []
        for entry in resolved where entry.role != .vector {
            let source = sourceView(entry.tensor, role: entry.role)
            let target: WeightFormat = switch precision {
            case .f32: .f32
            case .f16: source.format == .bf16 ? .bf16 : .f16
            case .q8: .q8_0
            // 4-bit weights with a minimum per block (Q4_1) for every layer's matrices; the
            // embedding, which also makes the logits, stays 8-bit (as llama.cpp's Q4_0 keeps it at
            // 6). On the demo model, scored as llama-perplexity -c 512 scores (510 predictions),
            // this agreed with f32's top token on 93.9 % against Q4_0's 91.2 %; keeping the qkv
            // projections 8-bit as well gained 0.8 points for 14 % more bytes on gpt2-xl, and the
            // embedding at Q4_1 lost 5 points.
            case .q4: entry.role == .embedding ? .q8_0 : .q4_1
            }
            // A checkpoint already in a block format (GGUF's Q8_0, Q4_0) is used as stored at
            // 8 or 4 bits: converting it again would only lose more.
            let asStored = source.format.isBlockFormat && (precision == .q8 || precision == .q4)
            // Every compact matrix is output-major, (N, K): a decode step then reads each output's
            // weights as one run and keeps one accumulator, where Conv1D's (K, N) makes it load and
            // store all N sums for every input (gpt2-xl f16: 24 GB/s streamed against 35). The
            // float formats' inputs are sliced, so that a slice's activations stay in L1.
            let layout: MatrixLayout = precision == .f32 ? source.layout
                : target.isBlockFormat ? .outputsByInputs : .outputsBySlicedInputs
            // (N, K) is sliced (N, K) when K fits one slice.
            let sameLayout = layout == source.layout
                || layout == .outputsBySlicedInputs && source.layout == .outputsByInputs && ck_slice_width(Int64(source.inputs)) >= source.inputs
            if (target == source.format && sameLayout || asStored) && aligned(entry.tensor) {
                matrices[entry.key] = source
            } else if precision == .f32 {
                widened.append(entry)
            } else {
                requests.append(.init(name: entry.key, source: source, format: target, layout: layout))
            }
        }
        widened += resolved.filter { $0.role == .vector && !($0.tensor.format == .f32 && aligned($0.tensor)) }

        var owners: [AnyObject] = [checkpoint.file] + checkpoint.keepAlive
        var convertedBytes = 0
        if !requests.isEmpty {
            let cacheURL = cacheURL ?? GPT2Model.cacheURL(forModelAt: URL(fileURLWithPath: path).deletingLastPathComponent(),
                                                          precision: precision)
            let cache = try CompactWeightsFile.load(at: cacheURL, checkpoint: checkpoint.file, precision: precision, requests: requests)
            owners.append(cache.owner)
            matrices.merge(cache.matrices) { $1 }
            convertedBytes += cache.matrices.values.reduce(0) { $0 + $1.byteCount }
        }

        // F32 copies: the small vectors of F16 / BF16 files, and every matrix when widening.
        let widenedBytes = widened.reduce(0) { $0 + ($1.tensor.elementCount * 4 + 63) / 64 * 64 }
        if let available = SystemMemory.availableBytes(), widenedBytes > available {
            throw CheckpointError.tooLarge(path: path, neededBytes: widenedBytes, availableBytes: available)
        }
        let copies = Allocation(byteCount: widenedBytes)
        owners.append(copies)
        convertedBytes += widened.filter { $0.role != .vector }.reduce(0) { $0 + $1.tensor.elementCount * 4 }
        var vectors: [String: UnsafePointer<Float>] = [:]
        var cursor = 0
        for (key, tensor, role) in widened {
            let destination = copies.pointer + cursor
            cursor += (tensor.elementCount * 4 + 63) / 64 * 64
            let source = sourceView(tensor, role: role)
            let target = WeightMatrix(format: .f32, layout: source.layout, inputs: source.inputs,
                                      outputs: source.outputs, data: UnsafeRawPointer(destination))
            var from = source.kernelMatrix
            var to = target.kernelMatrix
            ck_convert(ComputePool.shared.pointer, &from, &to)
            if role == .vector {
                vectors[key] = UnsafePointer(destination.assumingMemoryBound(to: Float.self))
            } else {
                matrices[key] = target
            }
        }
        for (key, tensor, role) in resolved where role == .vector && vectors[key] == nil {
            vectors[key] = tensor.data.assumingMemoryBound(to: Float.self)
        }

        self.owners = owners
        self.convertedBytes = convertedBytes
        self.storageType = checkpoint.storageType
        self.precision = precision
        // Every name below was resolved above.
        tokenEmbedding = matrices["wte.weight"]!
        positionEmbedding = vectors["wpe.weight"]!
        finalNormGain = vectors["ln_f.weight"]!
        finalNormBias = vectors["ln_f.bias"]!
        outputProjection = matrices["lm_head.weight"] ?? tokenEmbedding
        layers = (0..<config.layerCount).map { layer in
            let vector = { (name: String) in vectors["h.\(layer).\(name)"]! }
            let matrix = { (name: String) in matrices["h.\(layer).\(name)"]! }
            return LayerWeights(
                attentionNormGain: vector("ln_1.weight"), attentionNormBias: vector("ln_1.bias"),
                qkv: matrix("attn.c_attn.weight"), qkvBias: vector("attn.c_attn.bias"),
                attentionOut: matrix("attn.c_proj.weight"), attentionOutBias: vector("attn.c_proj.bias"),
                mlpNormGain: vector("ln_2.weight"), mlpNormBias: vector("ln_2.bias"),
                mlpUp: matrix("mlp.c_fc.weight"), mlpUpBias: vector("mlp.c_fc.bias"),
                mlpDown: matrix("mlp.c_proj.weight"), mlpDownBias: vector("mlp.c_proj.bias"))
        }
    }

    /// The format the layers' matrices are played in ("F16", "Q8_0", …).
    var matrixFormat: WeightFormat { layers.first?.qkv.format ?? tokenEmbedding.format }
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
