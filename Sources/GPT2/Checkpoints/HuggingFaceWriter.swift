import CKernels
import Foundation

/// Writes any checkpoint dungeon reads (a GGUF file, a PyTorch `.bin`, a TensorFlow release)
/// as a Hugging Face folder, the engine's native layout: `config.json` and
/// `model.safetensors` with Hugging Face's names and Conv1D layout. Float tensors keep their
/// type; block-quantized ones (GGUF's Q8_0, Q4_0) are widened to F32, exactly.
public enum HuggingFaceWriter {
    /// Writes `source`'s weights into `folder` (which must exist); `progress` hears
    /// (tensors written, tensors in all). The tokenizer files are the caller's.
    public static func write(from source: URL, to folder: URL, progress: (Int, Int) -> Void = { _, _ in }) throws {
        let files = ModelFiles(source)
        let (config, checkpoint) = (try files.config(), try files.checkpoint())
        var object: [String: Any] = [
            "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "activation_function": "gelu_new",
            "n_layer": config.layerCount, "n_head": config.headCount, "n_embd": config.hiddenSize,
            "n_inner": config.feedForwardSize, "n_positions": config.contextLength, "n_ctx": config.contextLength,
            "vocab_size": config.vocabularySize, "layer_norm_epsilon": Double(config.layerNormEpsilon),
        ]
        // A head stored as the embedding itself (PyTorch keeps one storage for both) is tied.
        let tied = checkpoint.tensors["lm_head.weight"].map { $0.data == checkpoint.tensors["wte.weight"]?.data } ?? true
        object["tie_word_embeddings"] = tied
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            .write(to: folder.appendingPathComponent("config.json"), options: .atomic)

        // Each tensor's bytes as Hugging Face stores them.
        let names = checkpoint.tensors.keys.sorted().filter { !(tied && $0 == "lm_head.weight") }
        var header: [String: Any] = ["__metadata__": ["format": "pt"]]
        var offset = 0
        var plan: [(name: String, tensor: Checkpoint.Tensor, format: WeightFormat, bytes: Int)] = []
        for name in names {
            let tensor = checkpoint.tensors[name]!
            let format: WeightFormat = tensor.format.isBlockFormat ? .f32 : tensor.format
            let bytes = format.byteCount(elements: tensor.elementCount)
            let dtype = format == .f32 ? "F32" : format == .f16 ? "F16" : "BF16"
            let full = name == "lm_head.weight" ? name : "transformer." + name
            header[full] = ["dtype": dtype, "shape": tensor.shape, "data_offsets": [offset, offset + bytes]]
            plan.append((full, tensor, format, bytes))
            offset += bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))

        let target = folder.appendingPathComponent("model.safetensors")
        let temporary = folder.appendingPathComponent(".model.safetensors.partial")
        _ = FileManager.default.createFile(atPath: temporary.path, contents: nil)  // FileHandle below says if it failed
        guard let handle = FileHandle(forWritingAtPath: temporary.path) else {
            throw CheckpointError.unreadable(path: temporary.path, reason: "it cannot be written")
        }
        defer { try? handle.close() }
        var length = UInt64(json.count).littleEndian
        try handle.write(contentsOf: Data(bytes: &length, count: 8))
        try handle.write(contentsOf: json)
        for (index, item) in plan.enumerated() {
            let buffer = Allocation(byteCount: item.bytes)
            let isLayerMatrix = item.tensor.shape.count == 2 && item.name.hasPrefix("transformer.h.")
            // Hugging Face keeps a layer's matrix as (inputs, outputs) and an embedding as rows.
            let layout: MatrixLayout = isLayerMatrix ? .inputsByOutputs : .outputsByInputs
            let (inputs, outputs) = item.tensor.shape.count == 2
                ? (isLayerMatrix ? (item.tensor.shape[0], item.tensor.shape[1]) : (item.tensor.shape[1], item.tensor.shape[0]))
                : (item.tensor.elementCount, 1)
            var from = WeightMatrix(format: item.tensor.format, layout: item.tensor.shape.count == 2 ? item.tensor.layout : .outputsByInputs,
                                    inputs: inputs, outputs: outputs, data: item.tensor.data).kernelMatrix
            var to = WeightMatrix(format: item.format, layout: layout, inputs: inputs, outputs: outputs,
                                  data: UnsafeRawPointer(buffer.pointer)).kernelMatrix
            ck_convert(ComputePool.shared.pointer, &from, &to)
            try handle.write(contentsOf: Data(bytesNoCopy: buffer.pointer, count: item.bytes, deallocator: .none))
            progress(index + 1, plan.count)
        }
        try handle.synchronize()
        try handle.close()
        if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
        try FileManager.default.moveItem(at: temporary, to: target)
    }
}
