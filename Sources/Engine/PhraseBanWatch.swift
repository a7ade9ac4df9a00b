/// Watches the text a generation writes for banned phrases, token by token.
///
/// Text that could still turn into a banned phrase is held back, from the start of the token
/// where that phrase would begin, so a rewind never takes back text a player already saw
/// (or a screen reader already spoke). Matching ignores ASCII case.
struct PhraseBanWatch {
    /// The phrases, ASCII-lowercased, as bytes.
    private let phrases: [[UInt8]]
    /// Everything decoded so far, ASCII-lowercased.
    private var lowered: [UInt8] = []
    /// Everything decoded so far, as written.
    private var text: [UInt8] = []
    /// `text.count` after each token.
    private var ends: [Int] = []
    /// How many bytes of `text` were released to be shown.
    private(set) var released = 0

    init(phrases: [String]) {
        self.phrases = phrases.map { Array($0.utf8).map(Self.lower) }.filter { !$0.isEmpty }
    }

    var isOn: Bool { !phrases.isEmpty }

    private static func lower(_ byte: UInt8) -> UInt8 { (65...90).contains(byte) ? byte + 32 : byte }

    /// Adds token number `ends.count`'s text (empty while its UTF-8 character is incomplete).
    mutating func append(_ piece: String) {
        text += piece.utf8
        lowered += piece.utf8.map(Self.lower)
        ends.append(text.count)
    }

    /// The index of the token where a banned phrase in the unreleased text begins.
    func match() -> Int? {
        guard isOn else { return nil }
        var earliest: Int?
        for phrase in phrases where lowered.count - released >= phrase.count {
            var start = released
            while start + phrase.count <= lowered.count {
                if lowered[start] == phrase[0] && lowered[start..<(start + phrase.count)].elementsEqual(phrase) {
                    earliest = min(earliest ?? start, start)
                    break
                }
                start += 1
            }
        }
        guard let earliest else { return nil }
        return ends.firstIndex { $0 > earliest } ?? ends.count - 1
    }

    /// Forgets token `index` and every token after it.
    mutating func rewind(toToken index: Int) {
        let keep = index == 0 ? 0 : ends[index - 1]
        ends.removeLast(ends.count - index)
        text.removeLast(text.count - keep)
        lowered.removeLast(lowered.count - keep)
        released = min(released, keep)
    }

    /// The text no ban can take back any more: up to the start of the token where the longest
    /// ending that begins a banned phrase starts.
    mutating func release() -> String {
        var held = 0
        for phrase in phrases {
            for length in stride(from: min(phrase.count - 1, lowered.count), to: held, by: -1)
            where lowered[(lowered.count - length)...].elementsEqual(phrase[..<length]) {
                held = length
                break
            }
        }
        var boundary = text.count
        if held > 0 {
            let start = text.count - held
            let token = ends.firstIndex { $0 > start } ?? 0
            boundary = token == 0 ? 0 : ends[token - 1]
        }
        return release(upTo: max(boundary, released))
    }

    /// Releases the text before token `index` (when giving up at a phrase that began there).
    mutating func release(beforeToken index: Int) -> String {
        release(upTo: max(released, index == 0 ? 0 : ends[index - 1]))
    }

    /// Everything still held, once generation has ended.
    mutating func finish() -> String { release(upTo: text.count) }

    private mutating func release(upTo end: Int) -> String {
        defer { released = end }
        return String(decoding: text[released..<end], as: UTF8.self)
    }
}
