import Foundation

/// GPT-2's byte-level byte-pair encoder, token for token the same as OpenAI's
/// `encoder.py` and Hugging Face's `GPT2Tokenizer`.
///
/// Immutable once loaded, so one instance can serve every thread.
public struct BPETokenizer: Sendable {
    /// The id of `<|endoftext|>` in GPT-2's vocabulary.
    public static let endOfTextToken = "<|endoftext|>"

    /// `tokenBytes[id]` is the UTF-8 bytes token `id` stands for.
    private let tokenBytes: [[UInt8]]
    /// The token for each single byte, the starting point of every merge.
    private let byteTokens: [Int32]
    /// Merge table keyed by the pair `(left << 32) | right`, giving the merge's rank and its result.
    private let merges: [UInt64: Merge]
    private let specialTokens: [String: Int]

    private struct Merge: Sendable {
        var rank: Int32
        var result: Int32
    }

    /// The number of tokens in the vocabulary (50,257 for GPT-2).
    public var vocabularySize: Int { tokenBytes.count }

    /// The id of `<|endoftext|>`, when the vocabulary has it.
    public var endOfTextID: Int? { specialTokens[Self.endOfTextToken] }

    /// Loads the tokenizer from a model folder: Hugging Face's `vocab.json` + `merges.txt`,
    /// or OpenAI's `encoder.json` + `vocab.bpe`.
    public init(directory: URL) throws {
        let manager = FileManager.default
        for (vocab, merges) in [("vocab.json", "merges.txt"), ("encoder.json", "vocab.bpe")] {
            let vocabURL = directory.appendingPathComponent(vocab)
            let mergesURL = directory.appendingPathComponent(merges)
            if manager.fileExists(atPath: vocabURL.path) && manager.fileExists(atPath: mergesURL.path) {
                try self.init(vocabulary: vocabURL, merges: mergesURL)
                return
            }
        }
        throw TokenizerError.missingFiles(directory: directory.path)
    }

    /// Loads the tokenizer from a vocabulary (token string to id, JSON) and a merges list.
    public init(vocabulary vocabularyURL: URL, merges mergesURL: URL) throws {
        let vocabulary = try Self.readVocabulary(vocabularyURL)
        let mergeLines = try Self.readMerges(mergesURL)
        try self.init(vocabulary: vocabulary, mergeLines: mergeLines, vocabularyPath: vocabularyURL.path)
    }

    /// Builds the tokenizer from already-parsed files; `mergeLines` are "left right" pairs in rank order.
    public init(vocabulary: [String: Int], mergeLines: [Substring], vocabularyPath: String = "vocabulary") throws {
        // Ids are dense, 0..<count; one far beyond the count is a damaged file (and would ask
        // for an array of that size).
        if let (token, id) = vocabulary.first(where: { $0.value < 0 || $0.value >= max(vocabulary.count, 1) + 1024 }) {
            throw TokenizerError.unreadable(path: vocabularyPath, reason: "token \(token.debugDescription) has id \(id), out of range")
        }
        let size = (vocabulary.values.max() ?? -1) + 1
        var tokenBytes = [[UInt8]](repeating: [], count: size)
        var special: [String: Int] = [:]
        for (token, id) in vocabulary {
            if token == Self.endOfTextToken {
                special[token] = id
                tokenBytes[id] = Array(token.utf8)
                continue
            }
            var bytes: [UInt8] = []
            for scalar in token.unicodeScalars {
                guard let byte = ByteAlphabet.byte(for: scalar) else {
                    throw TokenizerError.unreadable(
                        path: vocabularyPath, reason: "token \(token.debugDescription) is not byte-level BPE")
                }
                bytes.append(byte)
            }
            tokenBytes[id] = bytes
        }

        var byteTokens = [Int32](repeating: -1, count: 256)
        for byte in 0..<256 {
            guard let id = vocabulary[String(Character(ByteAlphabet.scalars[byte]))] else {
                throw TokenizerError.incompleteVocabulary(
                    path: vocabularyPath, missing: String(ByteAlphabet.scalars[byte]).debugDescription)
            }
            byteTokens[byte] = Int32(id)
        }

        var merges: [UInt64: Merge] = [:]
        merges.reserveCapacity(mergeLines.count)
        for (rank, line) in mergeLines.enumerated() {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2,
                  let left = vocabulary[String(parts[0])],
                  let right = vocabulary[String(parts[1])],
                  let result = vocabulary[String(parts[0]) + String(parts[1])]
            else {
                throw TokenizerError.incompleteVocabulary(path: vocabularyPath, missing: String(line).debugDescription)
            }
            let key = UInt64(left) << 32 | UInt64(right)
            if merges[key] == nil {
                merges[key] = Merge(rank: Int32(rank), result: Int32(result))
            }
        }

        self.tokenBytes = tokenBytes
        self.byteTokens = byteTokens
        self.merges = merges
        self.specialTokens = special
    }

    // MARK: Encoding

    /// The token ids of `text`. `<|endoftext|>` in the text is encoded as the special token
    /// only when `allowSpecial` is set; otherwise it is plain text, as in OpenAI's encoder.
    public func encode(_ text: String, allowSpecial: Bool = false) -> [Int] {
        guard allowSpecial, !specialTokens.isEmpty else { return encodeOrdinary(text) }
        var ids: [Int] = []
        var rest = Substring(text)
        while let range = rest.range(of: Self.endOfTextToken) {
            ids += encodeOrdinary(String(rest[..<range.lowerBound]))
            ids.append(specialTokens[Self.endOfTextToken]!)  // guarded non-empty above
            rest = rest[range.upperBound...]
        }
        return ids + encodeOrdinary(String(rest))
    }

    private func encodeOrdinary(_ text: String) -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(text.utf8.count / 3)
        var symbols: [Int32] = []
        for piece in PreTokenizer.pieces(of: text) {
            symbols.removeAll(keepingCapacity: true)
            for byte in piece { symbols.append(byteTokens[Int(byte)]) }
            mergePairs(&symbols)
            for symbol in symbols { ids.append(Int(symbol)) }
        }
        return ids
    }

    /// Applies merges lowest rank first until none applies. Every occurrence of the
    /// best pair is merged left to right in one sweep, as OpenAI's encoder does; a
    /// merge result always ranks after its parts, so this equals merging one at a time.
    private func mergePairs(_ symbols: inout [Int32]) {
        while symbols.count > 1 {
            var best: Merge?
            var bestPair: (Int32, Int32) = (0, 0)
            for i in 0..<(symbols.count - 1) {
                if let merge = merges[UInt64(UInt32(symbols[i])) << 32 | UInt64(UInt32(symbols[i + 1]))],
                   merge.rank < (best?.rank ?? .max) {
                    best = merge
                    bestPair = (symbols[i], symbols[i + 1])
                }
            }
            guard let merge = best else { return }
            var write = 0
            var read = 0
            while read < symbols.count {
                if read + 1 < symbols.count && symbols[read] == bestPair.0 && symbols[read + 1] == bestPair.1 {
                    symbols[write] = merge.result
                    read += 2
                } else {
                    symbols[write] = symbols[read]
                    read += 1
                }
                write += 1
            }
            symbols.removeLast(symbols.count - write)
        }
    }

    // MARK: Decoding

    /// The UTF-8 bytes of a token; empty for an id outside the vocabulary.
    public func bytes(of token: Int) -> [UInt8] {
        tokenBytes.indices.contains(token) ? tokenBytes[token] : []
    }

    /// The text of `tokens`; bytes that do not form valid UTF-8 become U+FFFD.
    public func decode(_ tokens: [Int]) -> String {
        var bytes: [UInt8] = []
        for token in tokens { bytes += self.bytes(of: token) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The id of a token given in the vocabulary's spelling, e.g. `"Ġthe"` or `"<|endoftext|>"`.
    public func id(ofSpelling spelling: String) -> Int? {
        if let special = specialTokens[spelling] { return special }
        var bytes: [UInt8] = []
        for scalar in spelling.unicodeScalars {
            guard let byte = ByteAlphabet.byte(for: scalar) else { return nil }
            bytes.append(byte)
        }
        // A linear search: rare look-ups, and a lone byte of a character is not valid text to encode.
        return tokenBytes.firstIndex(of: bytes)
    }
}
