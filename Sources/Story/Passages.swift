/// A stretch of the story short enough to recall on its own: a few sentences of one turn.
public struct Passage: Sendable, Equatable, Hashable {
    /// The turn's id in the story tree (`StoryTree.opening` for the opening).
    public var turn: Int
    /// Its place among its turn's passages, from 0.
    public var ordinal: Int
    public var text: String

    public init(turn: Int, ordinal: Int, text: String) {
        self.turn = turn
        self.ordinal = ordinal
        self.text = text
    }
}

/// Splits turns into passages for recall: at paragraph and sentence ends, merged up to about
/// `maxCharacters` (about 35 tokens of English prose), so a passage holds one thought with its
/// names rather than a whole reply. The action opens a turn's first passage, so a recalled
/// reply keeps what the player did. Storage indexes these; the fallback search reads them.
public enum PassageSplitter {
    public static let maxCharacters = 160
    /// The most passages one turn is split into; the rest of a very long turn joins the last.
    public static let maxPerTurn = 1024

    public static func passages(of turn: Turn) -> [Passage] {
        passages(turn: turn.id, text: [turn.action, turn.replyText].filter { !$0.isEmpty }.joined(separator: "\n"))
    }

    public static func passages(ofOpening opening: String) -> [Passage] {
        passages(turn: StoryTree.opening, text: opening)
    }

    /// Every passage of the story on screen: the opening's, then each turn's.
    public static func passages(of adventure: Adventure) -> [Passage] {
        passages(ofOpening: adventure.opening) + adventure.turns.flatMap(passages(of:))
    }

    static func passages(turn: Int, text: String) -> [Passage] {
        var chunks: [String] = []
        var current = ""
        for sentence in sentences(text) {
            if current.isEmpty {
                current = sentence
            } else if current.count + 1 + sentence.count <= maxCharacters {
                current += " " + sentence
            } else {
                chunks.append(current)
                current = sentence
            }
            while current.count > maxCharacters {
                let (head, rest) = cut(current, at: maxCharacters)
                chunks.append(head)
                current = rest
            }
        }
        if !current.isEmpty { chunks.append(current) }
        if chunks.count > maxPerTurn {
            chunks = Array(chunks.prefix(maxPerTurn - 1)) + [chunks.dropFirst(maxPerTurn - 1).joined(separator: " ")]
        }
        return chunks.enumerated().map { Passage(turn: turn, ordinal: $0.offset, text: $0.element) }
    }

    /// Sentences with their whitespace folded to single spaces; a line break always ends one.
    static func sentences(_ text: String) -> [String] {
        var result: [String] = []
        for line in text.split(whereSeparator: \.isNewline) {
            var sentence = ""
            var pendingEnd = false
            for character in line {
                if character.isWhitespace {
                    if pendingEnd {
                        if !sentence.isEmpty { result.append(sentence) }
                        sentence = ""
                        pendingEnd = false
                    } else if !sentence.isEmpty && sentence.last != " " {
                        sentence.append(" ")
                    }
                    continue
                }
                sentence.append(character)
                if ".!?".contains(character) {
                    pendingEnd = true
                } else if !"\"')]”’".contains(character) {
                    pendingEnd = false
                }
            }
            let last = sentence.trimmingSpaces
            if !last.isEmpty { result.append(last) }
        }
        return result
    }

    /// `text` cut at the last space before `limit` characters (or at `limit` in a long word).
    private static func cut(_ text: String, at limit: Int) -> (String, String) {
        let end = text.index(text.startIndex, offsetBy: limit)
        let head = text[..<end]
        if let space = head.lastIndex(of: " "), space > text.startIndex {
            return (String(text[..<space]), String(text[text.index(after: space)...]))
        }
        return (String(head), String(text[end...]))
    }
}
