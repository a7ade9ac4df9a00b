/// Turns tokens into text as they are sampled without ever emitting half a character.
///
/// GPT-2 tokens are bytes, so one emoji can span two or three tokens. The decoder
/// holds the bytes of an unfinished UTF-8 sequence until the rest arrives; a
/// sequence that can no longer be completed is emitted as U+FFFD.
public struct StreamingDecoder: Sendable {
    private let tokenizer: BPETokenizer
    private var pending: [UInt8] = []

    public init(tokenizer: BPETokenizer) {
        self.tokenizer = tokenizer
    }

    /// The text that `token` completes; empty while a character is still unfinished.
    public mutating func append(_ token: Int) -> String {
        pending += tokenizer.bytes(of: token)
        let complete = completePrefixLength(pending)
        guard complete > 0 else { return "" }
        let text = String(decoding: pending[..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// Whatever is still held, with an unfinished character shown as U+FFFD.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// How many leading bytes can be emitted now: all of them unless the tail is the
    /// valid start of a multi-byte character still waiting for continuation bytes.
    private func completePrefixLength(_ bytes: [UInt8]) -> Int {
        // A UTF-8 sequence is at most 4 bytes, so only the last 3 can be an unfinished one.
        let scanStart = max(0, bytes.count - 3)
        for start in stride(from: bytes.count - 1, through: scanStart, by: -1) {
            let byte = bytes[start]
            if byte & 0xC0 == 0x80 { continue }  // continuation byte: keep looking for the lead
            let expected: Int
            switch byte {
            case 0xC2...0xDF: expected = 2
            case 0xE0...0xEF: expected = 3
            case 0xF0...0xF4: expected = 4
            default: return bytes.count  // ASCII or an invalid lead: nothing to wait for
            }
            let available = bytes.count - start
            return available < expected ? start : bytes.count
        }
        return bytes.count
    }
}
