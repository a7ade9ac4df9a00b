import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension BPETokenizer {
    /// A tokenizer file's bytes; anything but a regular file of sane size is refused (a FIFO
    /// would block the read forever, a device would never end).
    static func contents(of url: URL) throws -> Data {
        var status = stat()
        guard stat(url.path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            throw TokenizerError.unreadable(path: url.path, reason: "not a regular file")
        }
        guard status.st_size <= 64 << 20 else {
            throw TokenizerError.unreadable(path: url.path, reason: "\(status.st_size) bytes is too large for a tokenizer file")
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw TokenizerError.unreadable(path: url.path, reason: "the file cannot be opened")
        }
        return data
    }

    static func readVocabulary(_ url: URL) throws -> [String: Int] {
        let data = try contents(of: url)
        do {
            return try JSONDecoder().decode([String: Int].self, from: data)
        } catch {
            throw TokenizerError.unreadable(path: url.path, reason: "not a JSON object of token ids")
        }
    }

    /// The merge lines of a `merges.txt` / `vocab.bpe`, without the `#version` header or blank lines.
    static func readMerges(_ url: URL) throws -> [Substring] {
        let data = try contents(of: url)
        guard let text = String(data: data, encoding: .utf8) else {
            throw TokenizerError.unreadable(path: url.path, reason: "not UTF-8 text")
        }
        let lines = text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .filter { !$0.hasPrefix("#version") }
        // Without merges every word falls apart into single bytes: a different tokenizer.
        guard !lines.isEmpty else { throw TokenizerError.unreadable(path: url.path, reason: "it holds no merges") }
        return lines
    }
}
