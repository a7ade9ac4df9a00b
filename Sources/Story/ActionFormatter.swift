/// Turns what the player typed into the line the story shows and the model reads.
///
/// | mode  | input                | action                        |
/// |-------|----------------------|-------------------------------|
/// | Do    | open the door        | > You open the door.          |
/// | Do    | I look at my map     | > You look at your map.       |
/// | Say   | hello                | > You say "Hello."            |
/// | Say   | I whisper "run"      | > You whisper "Run."          |
/// | Say   | "Why?" I ask         | > You ask, "Why?"             |
/// | Story | The sky darkens      | The sky darkens.              |
///
/// First person becomes second person in Do, and in the framing of Say; words inside
/// quotation marks are the character's own and stay as written.
public enum ActionFormatter {
    public static let marker = "> "

    public static func format(_ input: String, mode: ActionMode) -> String {
        let text = collapseWhitespace(input)
        switch mode {
        case .continue:
            return ""
        case .story:
            return text.isEmpty ? "" : capitalizingFirst(withFinalPunctuation(text))
        case .do:
            guard !text.isEmpty else { return "" }
            let body = formattingQuotedSpeech(lowercasingFirstWord(droppingSubject(text)))
            return marker + fixVerbAgreement("You " + withFinalPunctuation(secondPerson(body)))
        case .say:
            guard hasWords(text) else { return "" }
            return marker + fixVerbAgreement("You " + speech(text))
        }
    }

    // MARK: Say

    /// Say mode's rules for text that already holds quotation marks:
    /// - `"Where is the crown?" I ask`: the quote is the speech, the words after it frame it
    ///   (`You ask, "Where is the crown?"`); with nothing after it, `You say "…"`.
    /// - `I whisper "run"`: a short lead-in (at most five words, not ending a sentence)
    ///   frames the quote (`You whisper "Run."`); words after the quote follow it.
    /// - Anything else, such as `who are you? "tell me"`: the whole text is speech, and the
    ///   quotation marks inside it become single ones (`You say "Who are you? 'tell me'."`).
    /// Without quotation marks the whole text is speech; a leading "say" or "I say" is dropped.
    private static func speech(_ text: String) -> String {
        let quotes: Set<Character> = ["\"", "“", "”"]
        if let open = text.firstIndex(where: quotes.contains) {
            let before = String(text[..<open]).trimmingSpaces
            let rest = text[text.index(after: open)...]
            let close = rest.firstIndex(where: quotes.contains)
            let quoted = String(close.map { rest[..<$0] } ?? rest).trimmingCharacters(where: { $0 == "," || $0.isWhitespace })
            let after = close.map { String(rest[rest.index(after: $0)...]).trimmingSpaces } ?? ""
            let spoken = "\"" + withFinalPunctuation(capitalizingFirst(quoted)) + "\""
            if before.isEmpty && !quoted.isEmpty {
                let framing = after.trimmingCharacters(where: { $0 == "," || $0 == "." || $0 == " " })
                guard !framing.isEmpty else { return "say " + spoken }
                return secondPerson(droppingSubject(framing)) + ", " + spoken
            }
            let leadIn = before.trimmingCharacters(where: { $0 == ":" || $0 == "," || $0 == " " })
            let words = leadIn.split(separator: " ").count
            if !leadIn.isEmpty, words <= 5, let last = leadIn.last, !".!?…".contains(last), !quoted.isEmpty {
                let framing = secondPerson(droppingSubject(leadIn)) + " " + spoken
                return after.isEmpty ? framing : withFinalPunctuation(framing + " " + secondPerson(after))
            }
            let inner = String(text.map { quotes.contains($0) ? "'" : $0 })
            return "say \"" + withFinalPunctuation(capitalizingFirst(inner.trimmingSpaces)) + "\""
        }
        var spoken = text
        let lower = spoken.lowercased()
        for prefix in ["i say ", "you say ", "say "] where lower.hasPrefix(prefix) {
            spoken = String(spoken.dropFirst(prefix.count))
            break
        }
        return "say \"" + withFinalPunctuation(capitalizingFirst(spoken.trimmingSpaces)) + "\""
    }

    /// Whether there is anything to say or do: not only quotation marks and punctuation.
    public static func hasWords(_ text: String) -> Bool {
        text.contains { $0.isLetter || $0.isNumber }
    }

    /// After "You", the sentence goes on: `Look around` is `You look around`. A word in
    /// capitals (`NASA`) or "I" stays as it is.
    private static func lowercasingFirstWord(_ text: String) -> String {
        let word = text.prefix { $0.isLetter }
        guard word.count > 1, let first = word.first, first.isUppercase,
              word.dropFirst().allSatisfy({ $0.isLowercase }) else { return text }
        return first.lowercased() + text.dropFirst()
    }

    /// Speech inside an action is written as Say writes it: `I whisper "run"` is
    /// `You whisper "Run."` (a capital, and the sentence's end inside the quotation marks).
    private static func formattingQuotedSpeech(_ text: String) -> String {
        let opening: Set<Character> = ["\"", "“"], closing: Set<Character> = ["\"", "”"]
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(where: opening.contains) {
            let inner = rest[rest.index(after: open)...]
            guard let close = inner.firstIndex(where: closing.contains) else { break }
            let spoken = String(inner[..<close]).trimmingSpaces
            result += rest[...open]
            result += spoken.isEmpty ? "" : withFinalPunctuation(capitalizingFirst(spoken))
            result.append(inner[close])
            rest = inner[inner.index(after: close)...]
        }
        return result + rest
    }

    // MARK: Person

    /// Drops a leading "I" or "you" so the action can start with "You".
    private static func droppingSubject(_ text: String) -> String {
        let lower = text.lowercased()
        for subject in ["i ", "you "] where lower.hasPrefix(subject) {
            return String(text.dropFirst(subject.count))
        }
        if lower.hasPrefix("i'm ") { return "are " + text.dropFirst(4) }
        return text
    }

    /// Replaces first-person words outside quotation marks with second-person ones.
    static func secondPerson(_ text: String) -> String {
        var result = ""
        var word = ""
        var insideQuote = false
        func flush() {
            result += insideQuote ? word : replacement(for: word)
            word = ""
        }
        for character in text {
            if character.isLetter || character == "'" || character == "’" {
                word.append(character)
            } else {
                flush()
                if character == "\"" || character == "“" || character == "”" { insideQuote.toggle() }
                result.append(character)
            }
        }
        flush()
        return result
    }

    private static let pronouns: [String: String] = [
        "i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself",
        "i'm": "you're", "i've": "you've", "i'll": "you'll", "i'd": "you'd",
        "i’m": "you’re", "i’ve": "you’ve", "i’ll": "you’ll", "i’d": "you’d",
        "we": "you", "us": "you", "our": "your", "ours": "yours", "ourselves": "yourselves",
    ]

    private static func replacement(for word: String) -> String {
        guard let replaced = pronouns[word.lowercased()] else { return word }
        // "I", "I'm"... are capitalised wherever they stand; "My" only at a sentence start.
        let alwaysCapital = word.lowercased().hasPrefix("i")
        return word.first?.isUppercase == true && !alwaysCapital ? capitalizingFirst(replaced) : replaced
    }

    /// "you am" and "you was" come from "I am" and "I was".
    private static func fixVerbAgreement(_ text: String) -> String {
        text.replacingWords([("you am", "you are"), ("you was", "you were"), ("You am", "You are"), ("You was", "You were")])
    }

    // MARK: Text helpers

    static func withFinalPunctuation(_ text: String) -> String {
        let trimmed = text.trimmingSpaces
        guard let last = trimmed.last else { return trimmed }
        if ".!?…".contains(last) { return trimmed }
        if "\"”')".contains(last) {
            // A closing quote after a sentence end is finished: `say "Hi."`.
            let beforeLast = trimmed.dropLast().last
            if let beforeLast, ".!?…".contains(beforeLast) { return trimmed }
        }
        return trimmed + "."
    }

    static func capitalizingFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst()
    }

    private static func collapseWhitespace(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}

extension String {
    var trimmingSpaces: String { trimmingCharacters(where: { $0.isWhitespace }) }

    func trimmingCharacters(where predicate: (Character) -> Bool) -> String {
        guard let start = firstIndex(where: { !predicate($0) }) else { return "" }
        let end = lastIndex(where: { !predicate($0) })!  // exists when start does
        return String(self[start...end])
    }

    /// Replaces whole-word occurrences of each pair's first string.
    func replacingWords(_ pairs: [(String, String)]) -> String {
        var text = self
        for (from, to) in pairs {
            var result = ""
            var rest = Substring(text)
            while let range = rest.range(of: from) {
                let before = rest[..<range.lowerBound]
                let boundaryBefore = before.last.map { !$0.isLetter } ?? (result.last.map { !$0.isLetter } ?? true)
                let boundaryAfter = range.upperBound == rest.endIndex || !rest[range.upperBound].isLetter
                result += before
                result += (boundaryBefore && boundaryAfter) ? to : String(rest[range])
                rest = rest[range.upperBound...]
            }
            text = result + rest
        }
        return text
    }
}
