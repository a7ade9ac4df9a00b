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
        var tensors: [String: Tensor] = [:]
        var dataEnd = dataStart
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
            let tensor = Tensor(dtype: dtype, shape: shape, offset: dataStart + begin, byteCount: end - begin)
            guard tensor.byteCount == tensor.elementCount * dtype.size else {
                throw CheckpointError.invalidHeader(
                    path: path, reason: "entry \(name) holds \(tensor.byteCount) bytes for shape \(shape)")
            }
            dataEnd = max(dataEnd, dataStart + end)
            tensors[name] = tensor
        }
        guard dataEnd <= fileSize else {
            throw CheckpointError.truncated(path: path, expected: dataEnd, actual: fileSize)
        }
        self.tensors = tensors
    }
}
