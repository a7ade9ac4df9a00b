import Foundation

/// The shape of a GPT-2 model, read from a Hugging Face `config.json`.
public struct GPT2Config: Sendable, Equatable {
    public var layerCount: Int
    public var headCount: Int
    public var hiddenSize: Int
    /// The width of each block's MLP; GPT-2 uses four times `hiddenSize`.
    public var feedForwardSize: Int
    /// The context window: positions are 0..<contextLength.
    public var contextLength: Int
    public var vocabularySize: Int
    public var layerNormEpsilon: Float

    public var headSize: Int { hiddenSize / headCount }

    public init(
        layerCount: Int, headCount: Int, hiddenSize: Int, feedForwardSize: Int? = nil,
        contextLength: Int, vocabularySize: Int, layerNormEpsilon: Float = 1e-5
    ) {
        self.layerCount = layerCount
        self.headCount = headCount
        self.hiddenSize = hiddenSize
        self.feedForwardSize = feedForwardSize ?? 4 * hiddenSize
        self.contextLength = contextLength
        self.vocabularySize = vocabularySize
        self.layerNormEpsilon = layerNormEpsilon
    }

    /// Parameters in the model (the tied output projection counted once).
    public var parameterCount: Int {
        let c = hiddenSize, f = feedForwardSize
        let perLayer = 2 * 2 * c + (c * 3 * c + 3 * c) + (c * c + c) + (c * f + f) + (f * c + c)
        return vocabularySize * c + contextLength * c + layerCount * perLayer + 2 * c
    }

    /// Reads `config.json`, checking that the shape is one GPT-2 can have.
    public init(contentsOf url: URL) throws {
        let data = try MappedFile.contents(of: url.path)
        let file: ConfigFile
        do {
            file = try JSONDecoder().decode(ConfigFile.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw CheckpointError.invalidConfig(path: url.path, reason: "missing \(key.stringValue)")
        } catch let DecodingError.typeMismatch(_, context) {
            let key = context.codingPath.last?.stringValue ?? "a value"
            throw CheckpointError.invalidConfig(path: url.path, reason: "\(key) has the wrong type")
        } catch {
            throw CheckpointError.invalidConfig(path: url.path, reason: "not a JSON object")
        }
        self.init(
            layerCount: file.nLayer, headCount: file.nHead, hiddenSize: file.nEmbd,
            feedForwardSize: file.nInner, contextLength: file.nPositions ?? file.nCtx ?? 1024,
            vocabularySize: file.vocabSize, layerNormEpsilon: file.layerNormEpsilon ?? 1e-5)
        try validate(path: url.path)
    }

    /// Reads OpenAI's `hparams.json` (`n_vocab`, `n_ctx`, `n_embd`, `n_head`, `n_layer`), which
    /// sits beside a TensorFlow checkpoint of GPT-2.
    public init(hparamsAt url: URL) throws {
        let data = try MappedFile.contents(of: url.path)
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CheckpointError.invalidConfig(path: url.path, reason: "not a JSON object")
        }
        func number(_ key: String) throws -> Int {
            guard let value = object[key] as? Int else { throw CheckpointError.invalidConfig(path: url.path, reason: "missing \(key)") }
            return value
        }
        self.init(layerCount: try number("n_layer"), headCount: try number("n_head"), hiddenSize: try number("n_embd"),
                  contextLength: try number("n_ctx"), vocabularySize: try number("n_vocab"))
        try validate(path: url.path)
    }

    func validate(path: String) throws {
        func fail(_ reason: String) -> CheckpointError { .invalidConfig(path: path, reason: reason) }
        for (name, value) in [("n_layer", layerCount), ("n_head", headCount), ("n_embd", hiddenSize),
                              ("n_inner", feedForwardSize), ("n_positions", contextLength),
                              ("vocab_size", vocabularySize)] {
            guard value > 0 && value <= 1 << 20 else { throw fail("\(name) = \(value) is out of range") }
        }
        guard hiddenSize % headCount == 0 else {
            throw fail("n_embd (\(hiddenSize)) is not divisible by n_head (\(headCount))")
        }
        guard layerNormEpsilon.isFinite && layerNormEpsilon > 0 else {
            throw fail("layer_norm_epsilon must be positive")
        }
        // Each dimension is at most 2^20, but their products could still overflow an Int
        // (every size derived from them is below this bound once this passes).
        let c = Double(hiddenSize), f = Double(feedForwardSize)
        let parameters = Double(vocabularySize + contextLength) * c + Double(layerCount) * (4 * c * c + 2 * c * f)
        guard parameters < 1e12 else {
            throw fail(String(format: "the shape implies %.0f billion parameters, far beyond any GPT-2", parameters / 1e9))
        }
    }

    /// The checkpoint's own names live only here.
    private struct ConfigFile: Decodable {
        var nLayer: Int
        var nHead: Int
        var nEmbd: Int
        var nInner: Int?
        var nPositions: Int?
        var nCtx: Int?
        var vocabSize: Int
        var layerNormEpsilon: Float?

        enum CodingKeys: String, CodingKey {
            case nLayer = "n_layer", nHead = "n_head", nEmbd = "n_embd", nInner = "n_inner"
            case nPositions = "n_positions", nCtx = "n_ctx", vocabSize = "vocab_size"
            case layerNormEpsilon = "layer_norm_epsilon"
        }
    }
}
