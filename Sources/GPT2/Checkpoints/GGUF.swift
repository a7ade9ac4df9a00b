import Foundation

/// A GGUF file (llama.cpp's format, what KoboldCpp players keep) holding GPT-2 as llama.cpp's
/// converter writes it: architecture `gpt2`, the model's shape under `gpt2.*`, the byte-level
/// BPE vocabulary under `tokenizer.ggml.*`, and tensors named `token_embd`, `blk.N.attn_qkv`
/// and so on, every matrix stored (outputs, inputs) with its dimensions listed innermost first.
///
/// F32, F16, BF16, Q8_0, Q4_0 and Q4_1 tensors are used as stored (the engine's block formats
/// are ggml's byte layouts); Q6_K, Q4_K, Q5_0 and Q5_1 (llama-quantize's choices for the
/// embedding, in Q4_K_M, and its fallbacks for rows that are not whole k-blocks) are widened
/// at load; other types are refused with their name.
struct GGUF {
    enum Value {
        case integer(Int64), unsigned(UInt64), float(Double), bool(Bool), string(String), array([Value])

        var int: Int? {
            switch self {
            case .integer(let v): Int(exactly: v)
            case .unsigned(let v): Int(exactly: v)
            default: nil
            }
        }
        var text: String? { if case .string(let s) = self { s } else { nil } }
        var double: Double? {
            switch self {
            case .float(let v): v
            case .integer(let v): Double(v)
            case .unsigned(let v): Double(v)
            default: nil
            }
        }
    }

    struct Tensor {
        /// ggml's type number.
        var type: UInt32
        /// Dimensions, innermost first (ggml's `ne`).
        var dimensions: [Int]
        /// Byte offset from the start of the file.
        var offset: Int
        var byteCount: Int
    }

    let file: MappedFile
    let metadata: [String: Value]
    let tensors: [String: Tensor]

    /// ggml's types that the engine reads: type number -> (format, elements per block, bytes per block).
    static let readable: [UInt32: (WeightFormat, Int, Int)] = [
        0: (.f32, 1, 4), 1: (.f16, 1, 2), 30: (.bf16, 1, 2), 2: (.q4_0, 32, 18), 3: (.q4_1, 32, 20), 8: (.q8_0, 32, 34),
    ]
    static let typeNames: [UInt32: String] = [
        0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 9: "Q8_1", 10: "Q2_K", 11: "Q3_K",
        12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K", 30: "BF16",
    ]

    init(file: MappedFile) throws {
        self.file = file
        var reader = Reader(bytes: file.bytes, path: file.path)
        guard file.bytes.count >= 4, Array(file.bytes.prefix(4)) == Array("GGUF".utf8) else {
            throw CheckpointError.invalidFile(path: file.path, format: "GGUF", reason: "it does not start with GGUF")
        }
        reader.position = 4
        let version = try reader.u32()
        guard version == 2 || version == 3 else {
            throw CheckpointError.invalidFile(path: file.path, format: "GGUF", reason: "version \(version) is not 2 or 3")
        }
        let tensorCount = try reader.count(try reader.u64(), each: 24)
        let valueCount = try reader.count(try reader.u64(), each: 12)
        var metadata: [String: Value] = [:]
        for _ in 0..<valueCount {
            let key = try reader.string()
            metadata[key] = try reader.value(type: try reader.u32(), depth: 0)
        }
        var infos: [(String, [Int], UInt32, Int)] = []
        for _ in 0..<tensorCount {
            let name = try reader.string()
            let rank = try reader.u32()
            guard (1...4).contains(rank) else { throw reader.fail("tensor \(name) has \(rank) dimensions") }
            var dimensions: [Int] = []
            for _ in 0..<rank {
                let dimension = try reader.u64()
                guard dimension >= 1 && dimension < 1 << 31 else { throw reader.fail("tensor \(name) has a dimension of \(dimension)") }
                dimensions.append(Int(dimension))
            }
            let type = try reader.u32()
            let offset = try reader.u64()
            guard offset < UInt64(file.bytes.count) else { throw reader.fail("tensor \(name) starts past the end of the file") }
            infos.append((name, dimensions, type, Int(offset)))
        }
        let alignment = metadata["general.alignment"]?.int ?? 32
        guard alignment > 0 && alignment <= 1 << 16 else { throw reader.fail("general.alignment is \(alignment)") }
        let dataStart = (reader.position + alignment - 1) / alignment * alignment

        var tensors: [String: Tensor] = [:]
        for (name, dimensions, type, relative) in infos {
            guard let (_, block, blockBytes) = Self.readable[type]
                ?? KQuants.blocks[type].map({ (WeightFormat.f32, $0.weights, $0.bytes) }) else {
                let typeName = Self.typeNames[type] ?? "type \(type)"
                throw CheckpointError.unsupportedTensorType(path: file.path, tensor: name, type: typeName)
            }
            guard dimensions[0] % block == 0 else { throw reader.fail("tensor \(name)'s rows are not whole blocks") }
            // Bytes, checked for overflow: a hostile file's dimensions can exceed Int.
            var bytes = dimensions[0] / block * blockBytes
            for dimension in dimensions.dropFirst() {
                let (product, overflow) = bytes.multipliedReportingOverflow(by: dimension)
                guard !overflow, product <= file.bytes.count else { throw reader.fail("tensor \(name) is larger than the file") }
                bytes = product
            }
            let start = dataStart + relative
            guard start + bytes <= file.bytes.count else {
                throw CheckpointError.truncated(path: file.path, expected: start + bytes, actual: file.bytes.count)
            }
            tensors[name] = Tensor(type: type, dimensions: dimensions, offset: start, byteCount: bytes)
        }
        self.metadata = metadata
        self.tensors = tensors
    }

    /// The model's shape from `gpt2.*`.
    func config() throws -> GPT2Config {
        let architecture = metadata["general.architecture"]?.text ?? "unknown"
        guard architecture == "gpt2" else {
            throw CheckpointError.invalidFile(path: file.path, format: "GGUF", reason: "it holds a \(architecture) model, not GPT-2")
        }
        func number(_ key: String) throws -> Int {
            guard let value = metadata["gpt2." + key]?.int else {
                throw CheckpointError.invalidConfig(path: file.path, reason: "missing gpt2.\(key)")
            }
            return value
        }
        let vocabulary = tensors["token_embd.weight"].map { $0.dimensions.count == 2 ? $0.dimensions[1] : 0 } ?? 0
        let config = GPT2Config(
            layerCount: try number("block_count"), headCount: try number("attention.head_count"),
            hiddenSize: try number("embedding_length"), feedForwardSize: try number("feed_forward_length"),
            contextLength: try number("context_length"), vocabularySize: vocabulary,
            layerNormEpsilon: Float(metadata["gpt2.attention.layer_norm_epsilon"]?.double ?? 1e-5))
        try config.validate(path: file.path)
        return config
    }

    /// The byte-level BPE vocabulary (token strings in id order) and merges it carries.
    public func vocabulary() throws -> (tokens: [String], merges: [String]) {
        guard metadata["tokenizer.ggml.model"]?.text == "gpt2",
              case .array(let tokens)? = metadata["tokenizer.ggml.tokens"],
              case .array(let merges)? = metadata["tokenizer.ggml.merges"] else {
            throw CheckpointError.invalidFile(path: file.path, format: "GGUF", reason: "it has no GPT-2 vocabulary (tokenizer.ggml.*)")
        }
        return (tokens.compactMap(\.text), merges.compactMap(\.text))
    }

    /// The tensors under Hugging Face's names and shapes; k-quant tensors widened to F32.
    func checkpoint() -> Checkpoint {
        let base = UnsafeRawPointer(file.bytes.baseAddress!)  // a mapped file is never empty
        var mapped: [String: Checkpoint.Tensor] = [:]
        var widened: [AnyObject] = []
        for (name, tensor) in tensors {
            guard let hfName = Self.huggingFaceName(name) else { continue }
            var format = Self.readable[tensor.type]?.0 ?? .f32
            var data = base + tensor.offset
            if Self.readable[tensor.type] == nil {
                let count = tensor.dimensions.reduce(1, *)
                let copy = Allocation(byteCount: count * 4)
                KQuants.dequantize(type: tensor.type, data, blocks: count / KQuants.blocks[tensor.type]!.weights,
                                   into: copy.pointer.assumingMemoryBound(to: Float.self))
                widened.append(copy)
                (format, data) = (.f32, UnsafeRawPointer(copy.pointer))
            }
            let ne = tensor.dimensions
            // Embeddings are (rows, width): ggml lists width first. A layer's matrix is Hugging
            // Face's (inputs, outputs), which ggml lists in that order too, stored (outputs, inputs).
            let isEmbedding = ["wte.weight", "wpe.weight", "lm_head.weight"].contains(hfName)
            let shape = ne.count == 1 ? ne : (isEmbedding ? [ne[1], ne[0]] : [ne[0], ne[1]])
            mapped[hfName] = Checkpoint.Tensor(format: format, shape: shape, layout: .outputsByInputs, data: data)
        }
        return Checkpoint(file: file, tensors: mapped, storageType: storageType, nameInFile: { Self.ggufName($0) }, keepAlive: widened)
    }

    /// The layers' matrices' type as players know it ("Q8_0").
    var storageType: String {
        let matrix = tensors["blk.0.attn_qkv.weight"] ?? tensors["token_embd.weight"]
        return matrix.flatMap { Self.typeNames[$0.type] } ?? "empty"
    }

    private static let layerNames: [(gguf: String, huggingFace: String)] = [
        ("attn_norm.weight", "ln_1.weight"), ("attn_norm.bias", "ln_1.bias"),
        ("attn_qkv.weight", "attn.c_attn.weight"), ("attn_qkv.bias", "attn.c_attn.bias"),
        ("attn_output.weight", "attn.c_proj.weight"), ("attn_output.bias", "attn.c_proj.bias"),
        ("ffn_norm.weight", "ln_2.weight"), ("ffn_norm.bias", "ln_2.bias"),
        ("ffn_up.weight", "mlp.c_fc.weight"), ("ffn_up.bias", "mlp.c_fc.bias"),
        ("ffn_down.weight", "mlp.c_proj.weight"), ("ffn_down.bias", "mlp.c_proj.bias"),
    ]
    private static let topNames: [(gguf: String, huggingFace: String)] = [
        ("token_embd.weight", "wte.weight"), ("position_embd.weight", "wpe.weight"),
        ("output_norm.weight", "ln_f.weight"), ("output_norm.bias", "ln_f.bias"), ("output.weight", "lm_head.weight"),
    ]

    static func huggingFaceName(_ name: String) -> String? {
        if let top = topNames.first(where: { $0.gguf == name }) { return top.huggingFace }
        let parts = name.split(separator: ".", maxSplits: 2)
        guard parts.count == 3, parts[0] == "blk", let layer = Int(parts[1]),
              let mapped = layerNames.first(where: { $0.gguf == parts[2] }) else { return nil }
        return "h.\(layer).\(mapped.huggingFace)"
    }

    static func ggufName(_ name: String) -> String {
        if let top = topNames.first(where: { $0.huggingFace == name }) { return top.gguf }
        let parts = name.split(separator: ".", maxSplits: 2)
        guard parts.count == 3, parts[0] == "h", let mapped = layerNames.first(where: { $0.huggingFace == parts[2] }) else { return name }
        return "blk.\(parts[1]).\(mapped.gguf)"
    }

    /// A bounds-checked reader over the file's header.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        let path: String
        var position = 0

        func fail(_ reason: String) -> CheckpointError { .invalidFile(path: path, format: "GGUF", reason: reason) }

        mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
            guard count >= 0, count <= bytes.count - position else {
                throw CheckpointError.truncated(path: path, expected: position + max(0, count), actual: bytes.count)
            }
            defer { position += count }
            return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
        }
        mutating func u8() throws -> UInt8 { try take(1)[0] }
        mutating func u32() throws -> UInt32 { UInt32(littleEndian: try take(4).loadUnaligned(as: UInt32.self)) }
        mutating func u64() throws -> UInt64 { UInt64(littleEndian: try take(8).loadUnaligned(as: UInt64.self)) }
        /// A count of items of at least `each` bytes: more than the file could hold is refused
        /// before anything is allocated for them.
        func count(_ value: UInt64, each: Int) throws -> Int {
            guard value <= UInt64(bytes.count / max(1, each)) else { throw fail("a count of \(value) is larger than the file") }
            return Int(value)
        }
        mutating func string() throws -> String {
            let length = try count(try u64(), each: 1)
            return String(decoding: try take(length), as: UTF8.self)
        }
        mutating func value(type: UInt32, depth: Int) throws -> Value {
            switch type {
            case 0: return .unsigned(UInt64(try u8()))
            case 1: return .integer(Int64(Int8(bitPattern: try u8())))
            case 2: return .unsigned(UInt64(UInt16(littleEndian: try take(2).loadUnaligned(as: UInt16.self))))
            case 3: return .integer(Int64(Int16(littleEndian: try take(2).loadUnaligned(as: Int16.self))))
            case 4: return .unsigned(UInt64(try u32()))
            case 5: return .integer(Int64(Int32(bitPattern: try u32())))
            case 6: return .float(Double(Float(bitPattern: try u32())))
            case 7: return .bool(try u8() != 0)
            case 8: return .string(try string())
            case 9:
                guard depth < 2 else { throw fail("arrays nested too deeply") }
                let itemType = try u32()
                let items = try count(try u64(), each: 1)
                return .array(try (0..<items).map { _ in try value(type: itemType, depth: depth + 1) })
            case 10: return .unsigned(try u64())
            case 11: return .integer(Int64(bitPattern: try u64()))
            case 12: return .float(Double(bitPattern: try u64()))
            default: throw fail("a value of unknown type \(type)")
            }
        }
    }
}
