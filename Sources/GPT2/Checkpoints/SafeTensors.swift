import Foundation

/// The table of contents of a `.safetensors` file: an 8-byte little-endian header
/// length, a JSON header naming each tensor's dtype, shape and byte range, then the data.
struct SafeTensors {
    enum DType: String {
        case f32 = "F32", f16 = "F16", bf16 = "BF16"

        var size: Int { self == .f32 ? 4 : 2 }
    }

    struct Tensor {
        var dtype: DType
        var shape: [Int]
        /// Byte offset of the first element from the start of the file.
        var offset: Int
        var byteCount: Int
        var elementCount: Int { shape.reduce(1, *) }
    }

    /// A header longer than this is not a GPT-2 checkpoint but a corrupt length field.
    static let maximumHeaderLength = 100 << 20

    let file: MappedFile
    let tensors: [String: Tensor]

    /// The storage type of the model's matrices (an attention weight's), as players know it.
    var storageType: String {
        let matrix = tensors.first { $0.key.hasSuffix("c_attn.weight") } ?? tensors.first
        return matrix?.value.dtype.rawValue ?? "empty"
    }

    init(file: MappedFile) throws {
        self.file = file
        let path = file.path
        let fileSize = file.bytes.count
        guard fileSize >= 8 else { throw CheckpointError.truncated(path: path, expected: 8, actual: fileSize) }
        var headerLength = 0
        for i in 0..<8 { headerLength |= Int(file.bytes[i]) << (8 * i) }
        guard headerLength > 0 && headerLength <= Self.maximumHeaderLength else {
            throw CheckpointError.invalidHeader(path: path, reason: "header length \(headerLength) is implausible")
        }
        guard 8 + headerLength <= fileSize else {
            throw CheckpointError.truncated(path: path, expected: 8 + headerLength, actual: fileSize)
        }
        let headerData = Data(file.bytes[8..<(8 + headerLength)])
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw CheckpointError.invalidHeader(path: path, reason: "the header is not a JSON object")
        }

        let dataStart = 8 + headerLength
        let dataSize = fileSize - dataStart
        var tensors: [String: Tensor] = [:]
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any],
                  let dtypeName = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int],
                  let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else {
                throw CheckpointError.invalidHeader(path: path, reason: "entry \(name) is malformed")
            }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw CheckpointError.unknownDType(path: path, tensor: name, dtype: dtypeName)
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard shape.allSatisfy({ $0 >= 0 && $0 < 1 << 31 }), begin >= 0, end >= begin else {
                throw CheckpointError.invalidHeader(path: path, reason: "entry \(name) has an invalid shape or range")
            }
            guard end <= dataSize else {
                let (expected, overflow) = dataStart.addingReportingOverflow(end)
                throw CheckpointError.truncated(path: path, expected: overflow ? Int.max : expected, actual: fileSize)
            }
            // The shape's byte count, checked for overflow (a hostile shape can exceed Int).
            var bytes = dtype.size
            for dimension in shape {
                let (product, overflow) = bytes.multipliedReportingOverflow(by: dimension)
                guard !overflow, product <= dataSize else {
                    throw CheckpointError.invalidHeader(path: path, reason: "entry \(name) has shape \(shape), larger than the file")
                }
                bytes = product
            }
            guard bytes == end - begin else {
                throw CheckpointError.invalidHeader(
                    path: path, reason: "entry \(name) holds \(end - begin) bytes for shape \(shape)")
            }
            tensors[name] = Tensor(dtype: dtype, shape: shape, offset: dataStart + begin, byteCount: bytes)
        }
        // As the format requires (and its reference library checks), the tensors tile the data
        // exactly: an overlap or a gap means a damaged header, such as a length one byte short.
        var covered = 0
        for (name, tensor) in tensors.sorted(by: { ($0.value.offset, $0.value.byteCount) < ($1.value.offset, $1.value.byteCount) }) {
            guard tensor.offset - dataStart == covered else {
                let problem = tensor.offset - dataStart < covered ? "overlaps the tensor before it" : "leaves a gap before it"
                throw CheckpointError.invalidHeader(path: path, reason: "entry \(name) \(problem)")
            }
            covered += tensor.byteCount
        }
        guard covered == dataSize else {
            throw CheckpointError.invalidHeader(
                path: path, reason: "the tensors cover \(covered) of the \(dataSize) data bytes (is the header length right?)")
        }
        self.tensors = tensors
    }

    /// The tensors as the weights take them: names without "transformer.", the layers'
    /// matrices as stored, (inputs, outputs).
    var checkpoint: Checkpoint {
        let base = UnsafeRawPointer(file.bytes.baseAddress!)  // a mapped file is never empty
        var mapped: [String: Checkpoint.Tensor] = [:]
        for (name, tensor) in tensors {
            let format: WeightFormat = switch tensor.dtype { case .f32: .f32; case .f16: .f16; case .bf16: .bf16 }
            let short = name.hasPrefix("transformer.") ? String(name.dropFirst("transformer.".count)) : name
            // The embeddings are (rows, width) either way; the layers' Conv1D weights (inputs, outputs).
            let layout: MatrixLayout = short.hasPrefix("h.") ? .inputsByOutputs : .outputsByInputs
            mapped[short] = Checkpoint.Tensor(format: format, shape: tensor.shape, layout: layout, data: base + tensor.offset)
        }
        let prefixed = tensors.keys.contains { $0.hasPrefix("transformer.") }
        return Checkpoint(file: file, tensors: mapped, storageType: storageType,
                          nameInFile: { name in prefixed && name != "lm_head.weight" ? "transformer." + name : name })
    }
}
