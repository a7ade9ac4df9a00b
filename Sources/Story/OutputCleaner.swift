import Foundation

/// A model continuation made fit to be a story turn.
public struct CleanedReply: Sendable, Equatable {
    public var text: String
    /// The text ends at the end of a sentence (otherwise no sentence end was found at all).
    public var endsSentence: Bool
}

/// Turns GPT-2's raw continuation into a clean turn, in this order:
/// 1. strip escape sequences and control characters;
/// 2. cut where the model starts speaking for the player ("> You", "You:", a line
///    starting with ">") or at `<|endoftext|>`;
/// 3. drop sentences the reply already said (a model in a loop repeats itself);
/// 4. cut after the last complete sentence, and balance a quotation left open;
/// 5. collapse runs of blank lines and trim.
public enum OutputCleaner {
    public static func clean(_ raw: String) -> CleanedReply {
        var text = TextSanitizer.clean(raw).replacingOccurrences(of: "\t", with: " ")
        text = cutAtPlayerTurn(text)
        text = normalizeLines(text)
        text = dropRepeatedSentences(text)
        let (cut, ended) = cutAtLastSentenceEnd(text)
        text = normalizeLines(balanceQuotes(cut))
        return CleanedReply(text: text, endsSentence: ended)
    }

    // MARK: Player turn

    static let playerMarkers = ["<|endoftext|>", "> You", ">You", "\nYou:", "\nPlayer:", "\n>"]

    static func cutAtPlayerTurn(_ text: String) -> String {
        var text = text
        if text.hasPrefix(">") || text.hasPrefix("You:") || text.hasPrefix("Player:") { return "" }
        for marker in playerMarkers {
            if let range = text.range(of: marker) { text = String(text[..<range.lowerBound]) }
        }
        // A line that starts with ">" after leading spaces.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if let index = lines.firstIndex(where: { $0.drop(while: { $0 == " " }).hasPrefix(">") }) {
            text = lines[..<index].joined(separator: "\n")
        }
        return text
    }

    // MARK: Lines

    /// Trims each line's trailing spaces, keeps at most one blank line in a row, trims the ends.
    static func normalizeLines(_ text: String) -> String {
        var lines: [Substring] = []
        var blankRun = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.reversed().drop(while: { $0 == " " }).reversed()
            let lineText = Substring(String(trimmed))
            if lineText.allSatisfy({ $0 == " " }) {
                blankRun += 1
                if blankRun > 1 { continue }
                lines.append("")
            } else {
                blankRun = 0
                lines.append(lineText)
            }
        }
        return lines.joined(separator: "\n").trimmingCharacters(where: { $0 == "\n" || $0 == " " })
    }

    // MARK: Sentences

    static let sentenceEnds: Set<Character> = [".", "!", "?", "…"]
    static let closers: Set<Character> = ["\"", "'", "”", "’", ")", "]", "*"]

    /// The text up to the end of its last complete sentence, and whether one was found.
    static func cutAtLastSentenceEnd(_ text: String) -> (String, Bool) {
        let complete = sentenceSpans(text).prefix { $0.complete }.map(\.text).joined()
        guard !complete.isEmpty else { return (text, false) }
        return (String(complete.reversed().drop(while: \.isWhitespace).reversed()), true)
    }

    /// Splits text into sentences, each with the whitespace that follows it.
    static func sentences(_ text: String) -> [String] {
        sentenceSpans(text).map(\.text)
    }

    /// Sentences with their following whitespace; `complete` is false only for a last piece
    /// that does not end at a sentence end (a terminator, any closing quotes or brackets,
    /// then whitespace or the end of the text).
    private static func sentenceSpans(_ text: String) -> [(text: String, complete: Bool)] {
        var result: [(text: String, complete: Bool)] = []
        var current = ""
        let characters = Array(text)
        var i = 0
        while i < characters.count {
            current.append(characters[i])
            if sentenceEnds.contains(characters[i]) {
                var j = i + 1
                while j < characters.count && (closers.contains(characters[j]) || sentenceEnds.contains(characters[j])) {
                    current.append(characters[j])
                    j += 1
                }
                if j == characters.count || characters[j].isWhitespace {
                    while j < characters.count && characters[j].isWhitespace {
                        current.append(characters[j])
                        j += 1
                    }
                    result.append((current, true))
                    current = ""
                }
                i = j
                continue
            }
            i += 1
        }
        if !current.isEmpty { result.append((current, false)) }
        return result
    }

    /// Drops a sentence that repeats an earlier one of the same reply (ignoring case and
    /// spacing); short exclamations ("No!") may repeat.
    static func dropRepeatedSentences(_ text: String) -> String {
        var seen = Set<String>()
        var kept = ""
        for sentence in sentences(text) {
            let key = sentence.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: " ")
            if key.count >= 12 && !seen.insert(key).inserted { continue }
            kept += sentence
        }
        return kept
    }

    // MARK: Quotes

    /// Closes a quotation the cut left open, or drops a stray closing quote.
    static func balanceQuotes(_ text: String) -> String {
        var text = text
        let straight = text.filter { $0 == "\"" }.count
        if straight % 2 == 1, let last = text.lastIndex(of: "\"") {
            let before = last == text.startIndex ? nil : text[text.index(before: last)]
            let opens = before == nil || before!.isWhitespace || before == "(" || before == "—"
            if opens { text += "\"" } else { text.remove(at: last) }
        }
        let opened = text.filter { $0 == "“" }.count
        let closed = text.filter { $0 == "”" }.count
        if opened > closed { text += String(repeating: "”", count: opened - closed) }
        return text
    }
}

/// Finds when a reply repeats a recent one too closely.
public enum LoopGuard {
    /// How alike two replies are, 0 to 1: the overlap of their word pairs.
    public static func similarity(_ a: String, _ b: String) -> Double {
        let first = pairs(a), second = pairs(b)
        guard !first.isEmpty || !second.isEmpty else { return 1 }
        return Double(first.intersection(second).count) / Double(first.union(second).count)
    }

    /// Whether `reply` is empty, repeats itself, or is too close to any of `recent`.
    public static func isRepetitive(_ reply: String, recent: [String], threshold: Double = 0.7) -> Bool {
        if reply.trimmingSpaces.isEmpty || repeatsItself(reply) { return true }
        return recent.contains { !$0.isEmpty && similarity(reply, $0) >= threshold }
    }

    /// Whether one reply loops on itself: a word four times in a row ("one-one-one-one"),
    /// or a run of five words that comes back ("you are a man of about thirty, and you are
    /// a man of about thirty"), or any three words three times.
    public static func repeatsItself(_ reply: String) -> Bool {
        let words = reply.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        var run = 1
        for (previous, word) in zip(words, words.dropFirst()) {
            run = word == previous ? run + 1 : 1
            if run >= 4 { return true }
        }
        func counts(_ n: Int) -> [String: Int] {
            guard words.count >= n else { return [:] }
            return Dictionary((0...(words.count - n)).map { (words[$0..<($0 + n)].joined(separator: " "), 1) }, uniquingKeysWith: +)
        }
        return counts(5).values.contains { $0 >= 2 } || counts(3).values.contains { $0 >= 3 }
    }

    private static func pairs(_ text: String) -> Set<String> {
        let words = text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        if words.count < 2 { return Set(words) }
        return Set(zip(words, words.dropFirst()).map { $0 + " " + $1 })
    }
}

/// Notices "You die" and "You win" endings, when the adventure asks for it.
public enum EndingDetector {
    static let gameOver = ["you die", "you are dead", "you have died", "you died", "you are killed",
                           "you have been killed", "game over", "you breathe your last", "your adventure ends"]
    static let victory = ["you win", "you have won", "you are victorious", "victory is yours", "you have triumphed",
                          "congratulations, you"]

    public static func ending(in reply: String) -> Ending? {
        let text = reply.lowercased().replacingOccurrences(of: "’", with: "'")
        if gameOver.contains(where: { WorldInfoMatcher.containsWord($0, in: text) }) { return .gameOver }
        if victory.contains(where: { WorldInfoMatcher.containsWord($0, in: text) }) { return .victory }
        return nil
    }
}
