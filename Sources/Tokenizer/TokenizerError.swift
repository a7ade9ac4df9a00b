/// Why a tokenizer could not be loaded, worded for a player.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    /// Neither `vocab.json` + `merges.txt` nor `encoder.json` + `vocab.bpe` is in the folder.
    case missingFiles(directory: String)
    /// A vocabulary or merges file could not be read or parsed.
    case unreadable(path: String, reason: String)
    /// The vocabulary lacks a token the byte-level BPE needs (a single-byte token or a merge result).
    case incompleteVocabulary(path: String, missing: String)

    public var description: String {
        switch self {
        case .missingFiles(let directory):
            return "no tokenizer in \(directory): expected vocab.json and merges.txt (or encoder.json and vocab.bpe)"
        case .unreadable(let path, let reason):
            return "cannot read tokenizer file \(path): \(reason)"
        case .incompleteVocabulary(let path, let missing):
            return "tokenizer vocabulary \(path) lacks the token \(missing); is it a GPT-2 vocabulary?"
        }
    }
}
