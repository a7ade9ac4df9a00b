import Foundation
import GPT2

/// Writes a small GPT-2 checkpoint with random weights and GPT-2's real tokenizer, in the
/// Hugging Face layout, for tests that play through the whole engine. Random weights
/// write noise, but noise in every byte a real model could produce.
/// The repository root, found from this file so tests run from any folder.
public let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

public enum RandomCheckpoint {
    /// `periodBias` tilts the final LayerNorm towards `favouredTokens` (by default the "."
    /// token, id 13, so the noise has sentence ends often enough to make complete replies;
    /// a hostile model favours ESC, "]" and BEL instead); 0 leaves the weights unbiased.
    public static func write(
        to folder: URL, layers: Int = 2, heads: Int = 2, width: Int = 32, positions: Int = 1024, seed: UInt64 = 1,
        periodBias: Float = 8, favouredTokens: [Int] = [13]
    ) throws {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: folder, withIntermediateDirectories: true)
        let vocabulary = 50257
        let config: [String: Any] = [
            "model_type": "gpt2", "n_layer": layers, "n_head": heads, "n_embd": width, "n_positions": positions,
            "vocab_size": vocabulary, "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new",
        ]
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
            .write(to: folder.appendingPathComponent("config.json"))

        var shapes: [(String, [Int])] = [("wte.weight", [vocabulary, width]), ("wpe.weight", [positions, width])]
        for layer in 0..<layers {
            let p = "h.\(layer)."
            shapes += [
                (p + "ln_1.weight", [width]), (p + "ln_1.bias", [width]),
                (p + "attn.c_attn.weight", [width, 3 * width]), (p + "attn.c_attn.bias", [3 * width]),
                (p + "attn.c_proj.weight", [width, width]), (p + "attn.c_proj.bias", [width]),
                (p + "ln_2.weight", [width]), (p + "ln_2.bias", [width]),
                (p + "mlp.c_fc.weight", [width, 4 * width]), (p + "mlp.c_fc.bias", [4 * width]),
                (p + "mlp.c_proj.weight", [4 * width, width]), (p + "mlp.c_proj.bias", [width]),
            ]
        }
        shapes += [("ln_f.weight", [width]), ("ln_f.bias", [width])]

        var header: [String: Any] = ["__metadata__": ["format": "pt"]]
        var offset = 0
        for (name, shape) in shapes {
            let bytes = shape.reduce(1, *) * 4
            header["transformer." + name] = ["dtype": "F32", "shape": shape, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        var headerData = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        headerData.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - (headerData.count + 8) % 8) % 8))
        var file = Data()
        withUnsafeBytes(of: UInt64(headerData.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(headerData)
        var random = SplitMix64(seed: seed)
        var periodRow: [Float] = []
        for (name, shape) in shapes {
            let count = shape.reduce(1, *)
            let isGain = name.hasSuffix("ln_1.weight") || name.hasSuffix("ln_2.weight") || name.hasSuffix("ln_f.weight")
            var values = (0..<count).map { _ -> Float in
                if isGain { return 1 }
                return (random.nextUnitFloat() - 0.5) * (name.hasSuffix(".bias") ? 0.1 : 0.3)
            }
            if name == "wte.weight" {
                periodRow = [Float](repeating: 0, count: width)
                for token in favouredTokens {
                    for i in 0..<width { periodRow[i] += values[token * width + i] }
                }
            }
            if name == "ln_f.bias" && periodBias != 0 {
                let length = periodRow.map { $0 * $0 }.reduce(0, +).squareRoot()
                values = periodRow.map { $0 / length * periodBias }
            }
            values.withUnsafeBytes { file.append(contentsOf: $0) }
        }
        try file.write(to: folder.appendingPathComponent("model.safetensors"))

        let assets = repositoryRoot.appendingPathComponent("Assets/gpt2-tokenizer")
        for (source, target) in [("encoder.json", "vocab.json"), ("vocab.bpe", "merges.txt")] {
            let destination = folder.appendingPathComponent(target)
            try? fileManager.removeItem(at: destination)
            try fileManager.copyItem(at: assets.appendingPathComponent(source), to: destination)
        }
    }
}

/// A scratch folder removed when the value is released.
public final class ScratchFolder {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("dungeon-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
