/// Why a checkpoint could not be loaded, worded for a player: each names the file and the fault.
import Foundation

public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    /// The model path itself does not exist.
    case noModel(path: String)
    /// The model path is a file in no model format.
    case notAModel(path: String)
    case missingFile(path: String)
    case unreadable(path: String, reason: String)
    case invalidConfig(path: String, reason: String)
    case truncated(path: String, expected: Int, actual: Int)
    case invalidHeader(path: String, reason: String)
    case unknownDType(path: String, tensor: String, dtype: String)
    case missingTensor(path: String, tensor: String)
    case shapeMismatch(path: String, tensor: String, expected: [Int], actual: [Int])
    case tooLarge(path: String, neededBytes: Int, availableBytes: Int)
    case unsupportedPrecision(path: String, precision: String, reason: String)
    /// A file that is not the format its name or contents claim (GGUF, a pickle).
    case invalidFile(path: String, format: String, reason: String)
    /// A tensor stored in a number type the engine does not read (a GGUF k-quant).
    case unsupportedTensorType(path: String, tensor: String, type: String)
    /// A pickle that asks for a Python function a state dict never needs: refused, never run.
    case unsafePickle(path: String, global: String)
    /// config.json and the weights disagree on the number of layers: they are from different models.
    case layerCountMismatch(path: String, config: Int, weights: Int)

    public var description: String {
        switch self {
        case .noModel(let path):
            return "there is no model at \(path): no such file or folder; pass a model folder (config.json, model.safetensors, vocab.json, merges.txt) or a .gguf or .bin file; `dungeon models` lists the installed ones"
        case .notAModel(let path):
            return "\(path) is a file, not a model; pass a model folder (config.json, model.safetensors, vocab.json, merges.txt) or a .gguf or .bin file"
        case .missingFile(let path):
            return "missing model file \(path)"
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .invalidConfig(let path, let reason):
            return "invalid model config \(path): \(reason)"
        case .truncated(let path, let expected, let actual):
            return "\(path) is truncated: expected at least \(expected) bytes, found \(actual); download it again"
        case .invalidHeader(let path, let reason):
            return "\(path) is not a valid safetensors file: \(reason)"
        case .unknownDType(let path, let tensor, let dtype):
            return "\(path): tensor \(tensor) has unsupported dtype \(dtype) (expected F32, F16 or BF16)"
        case .missingTensor(let path, let tensor):
            return "\(path) has no tensor \(tensor); is this a GPT-2 checkpoint?"
        case .shapeMismatch(let path, let tensor, let expected, let actual):
            return "\(path): tensor \(tensor) has shape \(actual), but config.json implies \(expected)"
        case .tooLarge(let path, let needed, let available):
            let gib = { (bytes: Int) in String(format: "%.1f GiB", Double(bytes) / 1_073_741_824) }
            return "\(path) needs about \(gib(needed)) of memory, but only \(gib(available)) is available; try --precision q8 or q4"
        case .unsupportedPrecision(let path, let precision, let reason):
            return "\(path) cannot be played at --precision \(precision): \(reason)"
        case .invalidFile(let path, let format, let reason):
            return "\(path) is not a valid \(format) file: \(reason)"
        case .unsafePickle(let path, let global):
            return "\(path) asks to run \(global), which a GPT-2 checkpoint never needs; dungeon does not run code from model files and refused it"
        case .layerCountMismatch(let path, let config, let weights):
            return "\(path) holds \(weights) layers, but config.json says n_layer = \(config): the config is another model's; use the config.json that came with these weights"
        case .unsupportedTensorType(let path, let tensor, let type):
            return "\(path): tensor \(tensor) is \(type), which dungeon does not read; use a F16, Q8_0 or Q4_0 file (llama-quantize makes them)"
        }
    }
}

/// Why a forward pass was refused.
public enum InferenceError: Error, Equatable, CustomStringConvertible {
    /// The tokens would run past the model's context window.
    case contextFull(position: Int, adding: Int, limit: Int)
    /// A token id outside the vocabulary.
    case invalidToken(Int, vocabularySize: Int)
    case emptyInput
    /// The model computed NaN or infinity: its weights are damaged.
    case nonFiniteOutput(position: Int)
    /// `InferenceSession.stopCheck` asked to stop between layers.
    case stopped

    public var description: String {
        switch self {
        case .contextFull(let position, let adding, let limit):
            return "the context window is full: \(position) + \(adding) tokens exceed \(limit)"
        case .invalidToken(let token, let size):
            return "token id \(token) is outside the vocabulary (size \(size))"
        case .emptyInput:
            return "no tokens to process"
        case .nonFiniteOutput(let position):
            return "the model computed NaN or infinite numbers at position \(position): its weights are damaged; download or convert it again"
        case .stopped:
            return "stopped"
        }
    }
}
