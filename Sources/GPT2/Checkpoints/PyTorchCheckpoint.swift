import Foundation

/// A PyTorch checkpoint (`pytorch_model.bin`): a state dict saved by `torch.save`, either a
/// zip of a pickle (`archive/data.pkl`) and one raw entry per storage (`archive/data/0`, …),
/// as torch has written since 1.6, or the legacy stream of five pickles followed by the raw
/// storages. The pickles are read by `Pickle`, which never runs code; the zip's entries must
/// be stored (torch never compresses them) and are used in place.
struct PyTorchCheckpoint {
    let file: MappedFile
    let tensors: [String: Pickle.Tensor]
    /// Each storage's first byte and its size in bytes.
    let storages: [String: (start: Int, bytes: Int)]

    /// Bytes per element of torch's storage types.
    static let elementBytes: [String: Int] = [
        "torch.FloatStorage": 4, "torch.HalfStorage": 2, "torch.BFloat16Storage": 2, "torch.DoubleStorage": 8,
        "torch.LongStorage": 8, "torch.IntStorage": 4, "torch.ByteStorage": 1, "torch.BoolStorage": 1,
    ]
    static let formats: [String: WeightFormat] = ["torch.FloatStorage": .f32, "torch.HalfStorage": .f16, "torch.BFloat16Storage": .bf16]

    init(file: MappedFile) throws {
        self.file = file
        let bytes = file.bytes
        let pickle = Pickle(path: file.path)
        func fail(_ reason: String) -> CheckpointError { .invalidFile(path: file.path, format: "PyTorch", reason: reason) }
        let root: Pickle.Value
        var storages: [String: (start: Int, bytes: Int)] = [:]
        if bytes.count >= 4 && Array(bytes.prefix(4)) == [0x50, 0x4B, 0x03, 0x04] {
            let entries = try ZipDirectory(bytes: bytes, path: file.path).entries
            guard let data = entries.first(where: { $0.key.hasSuffix("/data.pkl") || $0.key == "data.pkl" }) else {
                throw fail("the zip holds no data.pkl")
            }
            let prefix = String(data.key.dropLast("data.pkl".count))
            if let order = entries[prefix + "byteorder"], order.bytes >= 3,
               String(decoding: UnsafeRawBufferPointer(rebasing: bytes[order.start..<(order.start + 3)]), as: UTF8.self) == "big" {
                throw fail("it was saved on a big-endian machine")
            }
            root = try pickle.load(UnsafeRawBufferPointer(rebasing: bytes[data.value.start..<(data.value.start + data.value.bytes)])).0
            for (name, entry) in entries where name.hasPrefix(prefix + "data/") {
                storages[String(name.dropFirst((prefix + "data/").count))] = entry
            }
        } else {
            // Legacy: magic number, protocol, system info, the state dict, the storage keys, then
            // each storage as an 8-byte element count and its bytes, in the keys' order.
            var position = 0
            for _ in 0..<3 { position = try pickle.load(bytes, from: position).end }
            let (object, afterObject) = try pickle.load(bytes, from: position)
            let (keysValue, afterKeys) = try pickle.load(bytes, from: afterObject)
            guard case .list(let keys) = keysValue else { throw fail("the legacy storage list is missing") }
            root = object
            var types: [String: String] = [:]
            func collectTypes(_ value: Pickle.Value) {
                if case .dict(let dict) = value { for (_, item) in dict.items { collectTypes(item) } }
                if case .tensor(let tensor) = value { types[tensor.storageKey] = tensor.storageType }
            }
            collectTypes(object)
            position = afterKeys
            for key in keys.items {
                guard case .string(let name) = key else { throw fail("a storage key that is not text") }
                guard position + 8 <= bytes.count else { throw CheckpointError.truncated(path: file.path, expected: position + 8, actual: bytes.count) }
                let count = Int(min(UInt64(bytes.count), UInt64(littleEndian: UnsafeRawBufferPointer(
                    rebasing: bytes[position..<(position + 8)]).loadUnaligned(as: UInt64.self))))
                let size = count * (types[name].flatMap { Self.elementBytes[$0] } ?? 4)
                guard position + 8 + size <= bytes.count else {
                    throw CheckpointError.truncated(path: file.path, expected: position + 8 + size, actual: bytes.count)
                }
                storages[name] = (position + 8, size)
                position += 8 + size
            }
        }
        guard case .dict(let dict) = root else { throw fail("it does not hold a state dict") }
        var tensors: [String: Pickle.Tensor] = [:]
        for (key, value) in dict.items {
            guard case .string(let name) = key, case .tensor(let tensor) = value else { continue }
            tensors[name] = tensor
        }
        self.tensors = tensors
        self.storages = storages
    }

    /// The floating-point tensors under Hugging Face's short names, as views into the file.
    func checkpoint() throws -> Checkpoint {
        let base = UnsafeRawPointer(file.bytes.baseAddress!)  // a mapped file is never empty
        var mapped: [String: Checkpoint.Tensor] = [:]
        for (name, tensor) in tensors {
            // Buffers such as the old attention masks (`attn.bias`, bytes) are not weights.
            guard let format = Self.formats[tensor.storageType], let element = Self.elementBytes[tensor.storageType] else { continue }
            guard let storage = storages[tensor.storageKey] else {
                throw CheckpointError.invalidFile(path: file.path, format: "PyTorch", reason: "storage \(tensor.storageKey) of \(name) is missing")
            }
            var expected = 1
            for (size, stride) in zip(tensor.shape, tensor.strides).reversed() {
                guard stride == expected || size == 1 else {
                    throw CheckpointError.invalidFile(path: file.path, format: "PyTorch", reason: "tensor \(name) is not stored contiguously")
                }
                expected *= size
            }
            let count = tensor.shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
            guard tensor.offset <= storage.bytes / element, count <= storage.bytes / element - tensor.offset else {
                throw CheckpointError.truncated(path: file.path, expected: storage.start + (tensor.offset + count) * element, actual: file.bytes.count)
            }
            let short = name.hasPrefix("transformer.") ? String(name.dropFirst("transformer.".count)) : name
            let layout: MatrixLayout = short.hasPrefix("h.") ? .inputsByOutputs : .outputsByInputs
            mapped[short] = Checkpoint.Tensor(format: format, shape: tensor.shape, layout: layout,
                                              data: base + storage.start + tensor.offset * element)
        }
        let matrix = tensors.first { $0.key.hasSuffix("c_attn.weight") }?.value.storageType ?? ""
        let storageType = ["torch.FloatStorage": "F32", "torch.HalfStorage": "F16", "torch.BFloat16Storage": "BF16"][matrix] ?? "?"
        let prefixed = tensors.keys.contains { $0.hasPrefix("transformer.") }
        return Checkpoint(file: file, tensors: mapped, storageType: storageType,
                          nameInFile: { name in prefixed && name != "lm_head.weight" ? "transformer." + name : name })
    }
}

/// A zip file's central directory: each stored entry's data range. ZIP64 is read (large
/// checkpoints need it); compressed entries are refused.
struct ZipDirectory {
    let entries: [String: (start: Int, bytes: Int)]

    init(bytes: UnsafeRawBufferPointer, path: String) throws {
        func fail(_ reason: String) -> CheckpointError { .invalidFile(path: path, format: "PyTorch zip", reason: reason) }
        func u16(_ at: Int) throws -> Int {
            guard at >= 0, at + 2 <= bytes.count else { throw CheckpointError.truncated(path: path, expected: at + 2, actual: bytes.count) }
            return Int(UInt16(littleEndian: UnsafeRawBufferPointer(rebasing: bytes[at..<(at + 2)]).loadUnaligned(as: UInt16.self)))
        }
        func u32(_ at: Int) throws -> Int {
            guard at >= 0, at + 4 <= bytes.count else { throw CheckpointError.truncated(path: path, expected: at + 4, actual: bytes.count) }
            return Int(UInt32(littleEndian: UnsafeRawBufferPointer(rebasing: bytes[at..<(at + 4)]).loadUnaligned(as: UInt32.self)))
        }
        func u64(_ at: Int) throws -> Int {
            guard at >= 0, at + 8 <= bytes.count else { throw CheckpointError.truncated(path: path, expected: at + 8, actual: bytes.count) }
            let value = UInt64(littleEndian: UnsafeRawBufferPointer(rebasing: bytes[at..<(at + 8)]).loadUnaligned(as: UInt64.self))
            guard value <= UInt64(bytes.count) else { throw fail("an offset past the end of the file") }
            return Int(value)
        }
        // The end-of-directory record is in the last 64 KiB (plus its own 22 bytes).
        var end = -1
        var at = bytes.count - 22
        while at >= max(0, bytes.count - 65_557) {
            if try u32(at) == 0x0605_4B50 { end = at; break }
            at -= 1
        }
        guard end >= 0 else { throw CheckpointError.truncated(path: path, expected: bytes.count + 1, actual: bytes.count) }
        var count = try u16(end + 10)
        var directory = try u32(end + 16)
        if count == 0xFFFF || directory == 0xFFFF_FFFF, end >= 20, try u32(end - 20) == 0x0706_4B50 {
            let record = try u64(end - 12)
            guard try u32(record) == 0x0606_4B50 else { throw fail("a damaged ZIP64 record") }
            count = try u64(record + 32)
            directory = try u64(record + 48)
        }
        var entries: [String: (start: Int, bytes: Int)] = [:]
        var cursor = directory
        for _ in 0..<count {
            guard try u32(cursor) == 0x0201_4B50 else { throw fail("a damaged central directory") }
            let method = try u16(cursor + 10)
            var size = try u32(cursor + 24)
            let nameLength = try u16(cursor + 28), extraLength = try u16(cursor + 30), commentLength = try u16(cursor + 32)
            var local = try u32(cursor + 42)
            guard cursor + 46 + nameLength <= bytes.count else { throw CheckpointError.truncated(path: path, expected: cursor + 46 + nameLength, actual: bytes.count) }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(cursor + 46)..<(cursor + 46 + nameLength)]), as: UTF8.self)
            // ZIP64 sizes and offsets live in an extra field when the 32-bit ones are full.
            var extra = cursor + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = try u16(extra), length = try u16(extra + 2)
                if id == 0x0001 {
                    var field = extra + 4
                    if size == 0xFFFF_FFFF { size = try u64(field); field += 8 }
                    if try u32(cursor + 20) == 0xFFFF_FFFF { field += 8 }
                    if local == 0xFFFF_FFFF { local = try u64(field) }
                }
                extra += 4 + length
            }
            guard method == 0 else { throw fail("entry \(name) is compressed; torch saves checkpoints uncompressed (load and save it again with torch)") }
            guard try u32(local) == 0x0403_4B50 else { throw fail("a damaged entry \(name)") }
            let start = local + 30 + (try u16(local + 26)) + (try u16(local + 28))
            guard start + size <= bytes.count else { throw CheckpointError.truncated(path: path, expected: start + size, actual: bytes.count) }
            entries[name] = (start, size)
            cursor = extraEnd + commentLength
        }
        self.entries = entries
    }
}
