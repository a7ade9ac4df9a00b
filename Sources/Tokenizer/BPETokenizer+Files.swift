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
        // A vocabulary is one flat object, read directly: JSONDecoder took about half of a
        // warm start of gpt2. Anything else takes the decoder, which either reads it too
        // or says why not.
        if let vocabulary = data.withUnsafeBytes({ flatTokenIDs(in: $0) }) { return vocabulary }
        do {
            return try JSONDecoder().decode([String: Int].self, from: data)
        } catch {
            throw TokenizerError.unreadable(path: url.path, reason: "not a JSON object of token ids")
        }
    }

    /// A JSON object of strings to non-negative integers, as `vocab.json` is written; nil
    /// for anything else (other values, nesting, a duplicate key, a malformed escape).
    static func flatTokenIDs(in bytes: UnsafeRawBufferPointer) -> [String: Int]? {
        var reader = JSONBytes(bytes: bytes)
        guard reader.skip(past: UInt8(ascii: "{")) else { return nil }
        var vocabulary: [String: Int] = [:]
        vocabulary.reserveCapacity(bytes.count / 12)
        reader.skipSpace()
        if reader.peek == UInt8(ascii: "}") { return reader.atEnd(after: 1) ? vocabulary : nil }
        while true {
            guard let key = reader.string(), reader.skip(past: UInt8(ascii: ":")), let id = reader.integer(),
                  vocabulary.updateValue(id, forKey: key) == nil
            else { return nil }
            reader.skipSpace()
            switch reader.peek {
            case UInt8(ascii: ","): reader.index += 1
            case UInt8(ascii: "}"): return reader.atEnd(after: 1) ? vocabulary : nil
            default: return nil
            }
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

/// A cursor over JSON text for `flatTokenIDs`.
private struct JSONBytes {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipSpace() {
        while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    /// Skips space, then `byte`; false if something else comes first.
    mutating func skip(past byte: UInt8) -> Bool {
        skipSpace()
        guard peek == byte else { return false }
        index += 1
        return true
    }

    /// Whether only space follows the next `count` bytes.
    mutating func atEnd(after count: Int) -> Bool {
        index += count
        skipSpace()
        return index == bytes.count
    }

    /// A non-negative integer of at most nine digits.
    mutating func integer() -> Int? {
        skipSpace()
        var value = 0, digits = 0
        while let byte = peek, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 10 {
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
            index += 1
        }
        return digits > 0 && digits < 10 ? value : nil
    }

    /// A string; its bytes must be valid UTF-8 and its escapes JSON's.
    mutating func string() -> String? {
        guard skip(past: UInt8(ascii: "\"")) else { return nil }
        let start = index
        while let byte = peek, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            guard byte >= 0x20 else { return nil }
            index += 1
        }
        if peek == UInt8(ascii: "\"") {  // no escapes: the common case
            defer { index += 1 }
            return String(validating: bytes[start..<index], as: UTF8.self)
        }
        var utf8 = Array(bytes[start..<index])
        while let byte = peek {
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(validating: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = peek else { return nil }
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escaped)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    guard let scalar = unicodeEscape() else { return nil }
                    utf8.append(contentsOf: String(Character(scalar)).utf8)
                default: return nil
                }
            case 0..<0x20:
                return nil
            default:
                utf8.append(byte)
            }
        }
        return nil
    }

    /// The scalar of a `\uXXXX` escape (its `\u` read), pairing surrogates.
    private mutating func unicodeEscape() -> Unicode.Scalar? {
        guard let first = hexQuad() else { return nil }
        if (0xD800..<0xDC00).contains(first) {
            guard peek == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else { return nil }
            index += 2
            guard let second = hexQuad(), (0xDC00..<0xE000).contains(second) else { return nil }
            return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
        }
        return Unicode.Scalar(first)
    }

    private mutating func hexQuad() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = Character(Unicode.Scalar(bytes[index])).hexDigitValue else { return nil }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

}
