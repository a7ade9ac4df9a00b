/// The words a recall query is made of: the distinctive words of a text (names, nouns, rare
/// verbs), without common English words and without words the prompt already holds.
public enum RecallWords {
    /// At most this many words go into one query; names come first, then the longer words.
    public static let maxWords = 24

    /// `text`'s distinctive words, lowercased, in order of first appearance (names first),
    /// leaving out `known` (lowercased words already in the prompt).
    public static func query(from text: String, excluding known: Set<String> = []) -> [String] {
        let (names, others) = split(text, excluding: known)
        return names + others
    }

    /// `query`'s words in two groups: names (capitalised inside a sentence), then the rest.
    public static func split(_ text: String, excluding known: Set<String> = []) -> (names: [String], others: [String]) {
        var seen = Set<String>()
        var names: [String] = []
        var others: [String] = []
        for (word, startsSentence) in wordsWithPosition(text) {
            let key = word.lowercased()
            guard key.count >= 3, !key.allSatisfy(\.isNumber), !stopWords.contains(key), !known.contains(key),
                  seen.insert(key).inserted else { continue }
            if !startsSentence && word.first?.isUppercase == true { names.append(key) } else { others.append(key) }
        }
        let ranked = names + others.enumerated().sorted { a, b in
            a.element.count != b.element.count ? a.element.count > b.element.count : a.offset < b.offset
        }.map(\.element)
        // Names, then the rest, each in the text's order: the same text always gives the same query.
        let chosen = Set(ranked.prefix(maxWords))
        return (names.filter(chosen.contains), others.filter(chosen.contains))
    }

    /// The lowercased words of `text`, for "already in the prompt".
    public static func vocabulary(_ text: String) -> Set<String> {
        Set(words(text).map { $0.lowercased() })
    }

    /// Runs of letters and digits: what SQLite's unicode61 tokenizer calls tokens.
    public static func words(_ text: String) -> [Substring] {
        text.split(whereSeparator: { !($0.isLetter || $0.isNumber) })
    }

    /// Each word, and whether it begins a sentence (its capital says nothing about a name).
    private static func wordsWithPosition(_ text: String) -> [(Substring, Bool)] {
        var result: [(Substring, Bool)] = []
        var index = text.startIndex
        var startsSentence = true
        while index < text.endIndex {
            let character = text[index]
            if character.isLetter || character.isNumber {
                var end = index
                while end < text.endIndex && (text[end].isLetter || text[end].isNumber) { end = text.index(after: end) }
                result.append((text[index..<end], startsSentence))
                startsSentence = false
                index = end
                continue
            }
            if ".!?\n\"“>:".contains(character) { startsSentence = true }
            index = text.index(after: index)
        }
        return result
    }

    /// Common English words and the words every adventure uses: they match everything.
    static let stopWords = Set<String>(stopWordList)
    private static let stopWordList: [String] = [
        "the", "and", "for", "are", "but", "not", "you", "your", "yours", "yourself", "all", "any", "can", "had", "her",
        "was", "one", "our", "out", "day", "get", "has", "him", "his", "how", "man", "new", "now", "old", "see", "two",
        "way", "who", "boy", "did", "its", "let", "put", "say", "she", "too", "use", "that", "with", "have", "this",
        "will", "from", "they", "know", "want", "been", "good", "much", "some", "time", "very", "when", "come", "here",
        "just", "like", "long", "make", "many", "more", "only", "over", "such", "take", "than", "them", "well", "were",
        "what", "where", "which", "while", "there", "their", "then", "these", "those", "would", "could", "should",
        "about", "after", "again", "against", "because", "before", "being", "below", "between", "both", "down",
        "during", "each", "few", "further", "into", "itself", "most", "myself", "once", "other", "ought", "ours",
        "ourselves", "same", "under", "until", "upon", "why", "yet", "also", "back", "even", "still", "through",
        "said", "says", "tell", "tells", "told", "asks", "asked", "look", "looks", "looked", "see", "sees", "saw",
        "seem", "seems", "feel", "feels", "felt", "turn", "turns", "turned", "walk", "walks", "walked", "go", "goes",
        "went", "going", "gone", "came", "comes", "coming", "make", "makes", "made", "take", "takes", "took",
        "think", "thinks", "thought", "something", "nothing", "anything", "everything", "someone", "anyone",
        "around", "away", "off", "own", "onto", "across", "behind", "toward", "towards", "inside", "outside",
        "himself", "herself", "themselves", "yourselves", "theirs", "hers", "mine", "does", "doing", "done",
        "don", "doesn", "didn", "isn", "wasn", "aren", "won", "can't", "cannot", "might", "must", "shall", "may",
        "into", "every", "another", "enough", "little", "right", "left", "next", "first", "last", "just",
        "then", "though", "although", "whether", "however", "almost", "always", "never", "ever", "already",
        "who", "whom", "whose", "what", "yes", "okay", "really", "quite", "rather", "let", "lets", "get", "gets",
        "got", "give", "gives", "gave", "keep", "keeps", "kept", "find", "finds", "found", "try", "tries", "tried",
        "use", "uses", "used", "open", "opens", "opened", "want", "wants", "wanted", "need", "needs", "needed",
    ]
}
