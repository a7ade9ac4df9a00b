/// Notices a reply that slips from the second person ("you open the door") into first-person
/// narration ("I open the door", "we run"), which GPT-2 does about one reply in nine. Speech
/// in quotation marks is the characters' own and never counts.
public enum PersonGuard {
    static let firstPerson: Set<String> = ["i", "i'm", "i've", "i'll", "i'd", "me", "my", "mine", "myself",
                                           "we", "we're", "we've", "we'll", "we'd", "us", "our", "ours", "ourselves"]
    static let secondPerson: Set<String> = ["you", "you're", "you've", "you'll", "you'd", "your", "yours", "yourself"]

    /// The words of `text` outside quotation marks, lowercased, with curly apostrophes
    /// straightened, each with whether it begins a sentence.
    static func narrationWords(_ text: String) -> [(word: String, opensSentence: Bool)] {
        var words: [(String, Bool)] = []
        var quoted = false
        var word = ""
        var sentenceStart = true
        func flush() {
            if !word.isEmpty { words.append((word.lowercased(), sentenceStart)); sentenceStart = false }
            word = ""
        }
        for character in text {
            if character == "\"" || character == "“" || character == "”" {
                flush()
                quoted.toggle()
                if !quoted { sentenceStart = false }
            } else if quoted {
                continue
            } else if character.isLetter || character == "'" || character == "’" {
                word.append(character == "’" ? "'" : character)
            } else {
                flush()
                if ".!?\n".contains(character) { sentenceStart = true }
            }
        }
        flush()
        return words
    }

    /// Whether `reply`'s narration speaks as "I" or "we": a sentence that opens with a
    /// first-person word, or two first-person words anywhere outside quotes.
    public static func slips(_ reply: String) -> Bool {
        let first = narrationWords(reply).filter { firstPerson.contains($0.word) }
        return first.count >= 2 || first.contains { $0.opensSentence }
    }

    /// Whether a story opening is told in the second person (the scenarios, AI Dungeon-style
    /// openings): it addresses "you" more than it says "I".
    public static func isSecondPerson(_ opening: String) -> Bool {
        let words = narrationWords(opening).map(\.word)
        let you = words.filter(secondPerson.contains).count
        return you > 0 && you > words.filter(firstPerson.contains).count
    }
}

extension Adventure {
    /// Whether replies slipping into first person are retried: the setting, or when unset,
    /// whether the story opened in the second person.
    public var guardsPerson: Bool {
        settings.firstPersonGuard ?? PersonGuard.isSecondPerson(opening)
    }
}

/// Why the loop guard turned down a reply.
public enum ReplyRejection: String, Sendable, Equatable {
    case empty
    case repetitive
    case firstPerson

    public var reason: String {
        switch self {
        case .empty: return "it was empty"
        case .repetitive: return "it repeated a recent reply"
        case .firstPerson: return "it slipped into first person"
        }
    }
}
