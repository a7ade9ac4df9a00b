import Foundation

extension BPETokenizer {
    static func readVocabulary(_ url: URL) throws -> [String: Int] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TokenizerError.unreadable(path: url.path, reason: "the file cannot be opened")
        }
        do {
            return try JSONDecoder().decode([String: Int].self, from: data)
        } catch {
            throw TokenizerError.unreadable(path: url.path, reason: "not a JSON object of token ids")
        }
    }

    /// The merge lines of a `merges.txt` / `vocab.bpe`, without the `#version` header or blank lines.
    static func readMerges(_ url: URL) throws -> [Substring] {
        guard let data = try? Data(contentsOf: url) else {
            throw TokenizerError.unreadable(path: url.path, reason: "the file cannot be opened")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TokenizerError.unreadable(path: url.path, reason: "not UTF-8 text")
        }
        return text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .filter { !$0.hasPrefix("#version") }
    }
}
