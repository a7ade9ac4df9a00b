import CKernels
import Foundation

/// OpenAI's original GPT-2 release (`models/124M/` … `models/1558M/`) and AI Dungeon 2's
/// fine-tuned model (`model_v5`, `model-550.*`): a TensorFlow checkpoint, read directly.
///
/// A checkpoint is a prefix (named in the folder's `checkpoint` file): `PREFIX.index`, a
/// LevelDB-format table mapping each variable's name to a `BundleEntryProto` (dtype, shape,
/// shard, offset, size, CRC-32C), and `PREFIX.data-0000N-of-0000M`, the raw little-endian
/// tensors. `hparams.json` gives the shape; `encoder.json` and `vocab.bpe` the tokenizer.
/// Variables are named as in openai/gpt-2's `src/model.py` (`model/h0/attn/c_attn/w`, with a
/// leading dimension of 1 on the layers' weights).
struct TensorBundle {
    struct Entry {
        var dtype: Int
        var shape: [Int]
        var shard: Int
        var offset: Int
        var size: Int
        var crc: UInt32?
    }

    let index: MappedFile
    let shards: [MappedFile]
    let entries: [String: Entry]

    /// The checkpoint's prefix in `folder`: from the `checkpoint` file, else the one `.index` file.
    static func prefix(in folder: URL) -> URL? {
        let manager = FileManager.default
        if let text = try? String(contentsOf: folder.appendingPathComponent("checkpoint"), encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model_checkpoint_path:") }),
           let quoted = line.split(separator: "\"").dropFirst().first {
            let path = String(quoted)
            let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path)
            if manager.fileExists(atPath: url.path + ".index") { return url }
            // A checkpoint file written elsewhere names an absolute path: try its last part here.
            let local = folder.appendingPathComponent(url.lastPathComponent)
            if manager.fileExists(atPath: local.path + ".index") { return local }
        }
        let indexes = ((try? manager.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".index") }
        return indexes.count == 1 ? folder.appendingPathComponent(String(indexes[0].dropLast(".index".count))) : nil
    }

    init(prefix: URL) throws {
        let index = try MappedFile(path: prefix.path + ".index")
        self.index = index
        var entries: [String: Entry] = [:]
        var shardCount = 1
        for (key, value) in try SSTable(file: index).entries() {
            if key.isEmpty {
                // BundleHeaderProto: 1 num_shards, 2 endianness (0 little), 3 version.
                let header = try Protobuf(value, path: index.path)
                shardCount = header.int(1) ?? 1
                guard (header.int(2) ?? 0) == 0 else {
                    throw CheckpointError.invalidFile(path: index.path, format: "TensorFlow", reason: "it was written big-endian")
                }
                guard (1...4096).contains(shardCount) else {
                    throw CheckpointError.invalidFile(path: index.path, format: "TensorFlow", reason: "\(shardCount) shards")
                }
                continue
            }
            // BundleEntryProto: 1 dtype, 2 shape (2 dim: 1 size), 3 shard_id, 4 offset, 5 size, 6 crc32c, 7 slices.
            let proto = try Protobuf(value, path: index.path)
            guard proto.messages(7).isEmpty else {
                throw CheckpointError.invalidFile(path: index.path, format: "TensorFlow", reason: "\(key) is partitioned into slices")
            }
            let path = index.path
            let dims = try proto.messages(2).first.map { try Protobuf($0, path: path).messages(2).map { try Protobuf($0, path: path).int(1) ?? 0 } } ?? []
            entries[key] = Entry(dtype: proto.int(1) ?? 0, shape: dims, shard: proto.int(3) ?? 0, offset: proto.int(4) ?? 0,
                                 size: proto.int(5) ?? 0, crc: proto.fixed32(6))
        }
        let name = prefix.lastPathComponent
        var shards: [MappedFile] = []
        for shard in 0..<shardCount {
            let file = prefix.deletingLastPathComponent()
                .appendingPathComponent("\(name).data-\(String(format: "%05d", shard))-of-\(String(format: "%05d", shardCount))")
            shards.append(try MappedFile(path: file.path))
        }
        self.shards = shards
        self.entries = entries
    }

    /// The tensors under Hugging Face's names, checksums verified.
    func checkpoint() throws -> Checkpoint {
        var mapped: [String: Checkpoint.Tensor] = [:]
        for (name, entry) in entries {
            guard let hfName = Self.huggingFaceName(name) else { continue }
            let format: WeightFormat
            switch entry.dtype {
            case 1: format = .f32
            case 19: format = .f16
            case 14: format = .bf16
            default: throw CheckpointError.unknownDType(path: index.path, tensor: name, dtype: "TensorFlow type \(entry.dtype)")
            }
            guard entry.shard >= 0 && entry.shard < shards.count else {
                throw CheckpointError.invalidFile(path: index.path, format: "TensorFlow", reason: "\(name) is in shard \(entry.shard), which is missing")
            }
            let shard = shards[entry.shard]
            var count = 1
            for dimension in entry.shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard !overflow, dimension >= 0, product <= shard.bytes.count else {
                    throw CheckpointError.invalidFile(path: index.path, format: "TensorFlow", reason: "\(name) has shape \(entry.shape)")
                }
                count = product
            }
            guard entry.size == format.byteCount(elements: count), entry.offset >= 0, entry.size <= shard.bytes.count - entry.offset else {
                throw CheckpointError.truncated(path: shard.path, expected: entry.offset + entry.size, actual: shard.bytes.count)
            }
            let data = UnsafeRawPointer(shard.bytes.baseAddress!) + entry.offset
            if let stored = entry.crc {
                let crc = ck_crc32c(data, entry.size)
                let masked = ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
                guard masked == stored else {
                    throw CheckpointError.invalidFile(path: shard.path, format: "TensorFlow", reason: "\(name) fails its checksum; the file is damaged")
                }
            }
            // The layers' weights are (1, inputs, outputs): the leading 1 goes.
            let shape = entry.shape.count == 3 && entry.shape[0] == 1 ? Array(entry.shape.dropFirst()) : entry.shape
            let layout: MatrixLayout = hfName.hasPrefix("h.") ? .inputsByOutputs : .outputsByInputs
            mapped[hfName] = Checkpoint.Tensor(format: format, shape: shape, layout: layout, data: data)
        }
        return Checkpoint(file: shards.first ?? index, tensors: mapped, storageType: Self.storageType(of: self),
                          nameInFile: { Self.tensorFlowName($0) }, keepAlive: [index] + shards)
    }

    /// The layers' matrices' type as players know it.
    static func storageType(of bundle: TensorBundle) -> String {
        [1: "F32", 19: "F16", 14: "BF16"][bundle.entries["model/h0/attn/c_attn/w"]?.dtype ?? 1] ?? "?"
    }

    private static let parts: [(tf: String, hf: String)] = [
        ("ln_1/g", "ln_1.weight"), ("ln_1/b", "ln_1.bias"), ("attn/c_attn/w", "attn.c_attn.weight"),
        ("attn/c_attn/b", "attn.c_attn.bias"), ("attn/c_proj/w", "attn.c_proj.weight"), ("attn/c_proj/b", "attn.c_proj.bias"),
        ("ln_2/g", "ln_2.weight"), ("ln_2/b", "ln_2.bias"), ("mlp/c_fc/w", "mlp.c_fc.weight"), ("mlp/c_fc/b", "mlp.c_fc.bias"),
        ("mlp/c_proj/w", "mlp.c_proj.weight"), ("mlp/c_proj/b", "mlp.c_proj.bias"),
    ]
    private static let top: [(tf: String, hf: String)] = [
        ("model/wte", "wte.weight"), ("model/wpe", "wpe.weight"), ("model/ln_f/g", "ln_f.weight"), ("model/ln_f/b", "ln_f.bias"),
    ]

    static func huggingFaceName(_ name: String) -> String? {
        if let match = top.first(where: { $0.tf == name }) { return match.hf }
        guard name.hasPrefix("model/h") else { return nil }
        let rest = name.dropFirst("model/h".count)
        guard let slash = rest.firstIndex(of: "/"), let layer = Int(rest[..<slash]),
              let part = parts.first(where: { $0.tf == rest[rest.index(after: slash)...] }) else { return nil }
        return "h.\(layer).\(part.hf)"
    }

    static func tensorFlowName(_ name: String) -> String {
        if let match = top.first(where: { $0.hf == name }) { return match.tf }
        let pieces = name.split(separator: ".", maxSplits: 2)
        guard pieces.count == 3, let part = parts.first(where: { $0.hf == pieces[2] }) else { return name }
        return "model/h\(pieces[1])/\(part.tf)"
    }
}

/// The few protobuf wire-format fields a bundle entry has: varints, fixed32s and nested messages.
struct Protobuf {
    private var varints: [Int: UInt64] = [:]
    private var fixed: [Int: UInt32] = [:]
    private var nested: [Int: [[UInt8]]] = [:]

    init(_ bytes: [UInt8], path: String) throws {
        var position = 0
        func fail() -> CheckpointError { .invalidFile(path: path, format: "TensorFlow", reason: "a damaged index entry") }
        func varint() throws -> UInt64 {
            var value: UInt64 = 0
            for shift in stride(from: 0, to: 64, by: 7) {
                guard position < bytes.count else { throw fail() }
                let byte = bytes[position]
                position += 1
                value |= UInt64(byte & 0x7F) << UInt64(shift)
                if byte & 0x80 == 0 { return value }
            }
            throw fail()
        }
        while position < bytes.count {
            let key = try varint()
            let field = Int(truncatingIfNeeded: key >> 3)
            switch key & 7 {
            case 0: varints[field] = try varint()
            case 1: guard position + 8 <= bytes.count else { throw fail() }; position += 8
            case 5:
                guard position + 4 <= bytes.count else { throw fail() }
                fixed[field] = UInt32(bytes[position]) | UInt32(bytes[position + 1]) << 8 | UInt32(bytes[position + 2]) << 16 | UInt32(bytes[position + 3]) << 24
                position += 4
            case 2:
                let length = try varint()
                guard length <= UInt64(bytes.count - position) else { throw fail() }
                nested[field, default: []].append(Array(bytes[position..<(position + Int(length))]))
                position += Int(length)
            default: throw fail()
            }
        }
    }

    func int(_ field: Int) -> Int? { varints[field].map { Int(truncatingIfNeeded: $0) } }
    func fixed32(_ field: Int) -> UInt32? { fixed[field] }
    func messages(_ field: Int) -> [[UInt8]] { nested[field] ?? [] }
}

/// A LevelDB-format table (TensorFlow's `table::Table`), uncompressed as the bundle writes it:
/// a footer pointing at an index block, whose entries point at data blocks of prefix-compressed
/// keys and values.
struct SSTable {
    let file: MappedFile

    func entries() throws -> [(String, [UInt8])] {
        let bytes = file.bytes
        let path = file.path
        func fail(_ reason: String) -> CheckpointError { .invalidFile(path: path, format: "TensorFlow index", reason: reason) }
        guard bytes.count >= 48 else { throw CheckpointError.truncated(path: path, expected: 48, actual: bytes.count) }
        let magic = UnsafeRawBufferPointer(rebasing: bytes[(bytes.count - 8)...]).loadUnaligned(as: UInt64.self)
        guard UInt64(littleEndian: magic) == 0xDB47_7524_8B80_FB57 else { throw fail("it is not a table (bad magic)") }
        var position = bytes.count - 48
        func varint(_ limit: Int) throws -> Int {
            var value = 0
            for shift in stride(from: 0, to: 63, by: 7) {
                guard position < limit else { throw fail("a damaged block") }
                let byte = bytes[position]
                position += 1
                value |= Int(byte & 0x7F) << shift
                if byte & 0x80 == 0 {
                    guard value >= 0 && value <= bytes.count else { throw fail("a length past the end") }
                    return value
                }
            }
            throw fail("a damaged block")
        }
        _ = (try varint(bytes.count), try varint(bytes.count))  // the metaindex block: unused
        let indexHandle = (offset: try varint(bytes.count), size: try varint(bytes.count))

        func block(_ handle: (offset: Int, size: Int)) throws -> [(String, [UInt8])] {
            guard handle.offset + handle.size + 5 <= bytes.count else {
                throw CheckpointError.truncated(path: path, expected: handle.offset + handle.size + 5, actual: bytes.count)
            }
            guard bytes[handle.offset + handle.size] == 0 else { throw fail("its blocks are compressed") }
            let end = handle.offset + handle.size
            guard handle.size >= 4 else { throw fail("a damaged block") }
            let restarts = Int(UInt32(littleEndian: UnsafeRawBufferPointer(rebasing: bytes[(end - 4)..<end]).loadUnaligned(as: UInt32.self)))
            guard restarts * 4 + 4 <= handle.size else { throw fail("a damaged block") }
            let limit = end - 4 - restarts * 4
            var items: [(String, [UInt8])] = []
            var key: [UInt8] = []
            position = handle.offset
            while position < limit {
                let shared = try varint(limit), unshared = try varint(limit), length = try varint(limit)
                guard shared <= key.count, position + unshared + length <= limit else { throw fail("a damaged entry") }
                key = Array(key[..<shared]) + Array(bytes[position..<(position + unshared)])
                position += unshared
                items.append((String(decoding: key, as: UTF8.self), Array(bytes[position..<(position + length)])))
                position += length
            }
            return items
        }
        var result: [(String, [UInt8])] = []
        for (_, handleBytes) in try block(indexHandle) {
            var cursor = 0
            func handleVarint() throws -> Int {
                var value = 0
                for shift in stride(from: 0, to: 63, by: 7) {
                    guard cursor < handleBytes.count else { throw fail("a damaged index") }
                    let byte = handleBytes[cursor]
                    cursor += 1
                    value |= Int(byte & 0x7F) << shift
                    if byte & 0x80 == 0 { return value }
                }
                throw fail("a damaged index")
            }
            let offset = try handleVarint(), size = try handleVarint()
            guard offset >= 0, size >= 0, offset <= bytes.count, size <= bytes.count else { throw fail("a damaged index") }
            result += try block((offset, size))
        }
        return result
    }
}
