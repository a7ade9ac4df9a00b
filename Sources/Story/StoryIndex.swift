import Foundation

/// A passage found by a search, with the words that matched it.
public struct FoundPassage: Sendable, Equatable {
    public var passage: Passage
    /// The query's words as they appear in the passage.
    public var matched: [String]

    public init(passage: Passage, matched: [String]) {
        self.passage = passage
        self.matched = matched
    }
}

/// Searches an adventure's story by words: the save file's full-text index, or a scan of
/// the story in memory where there is none. Recall asks it each turn; `/recall TEXT` and
/// `dungeon search` ask it for the player.
public protocol StoryIndex: Sendable {
    /// Up to `limit` passages holding any of `words` (lowercased), best match first, from
    /// the turns `among` (every turn of the tree when nil).
    func search(_ words: [String], among turns: Set<Int>?, limit: Int) throws -> [FoundPassage]

    /// How many passages of the whole tree hold each of `words` (counted no further than
    /// `cap`: a word past it is common whatever its count), and how many passages there are:
    /// recall leaves out words too common in this story to point anywhere.
    func frequencies(of words: [String], upTo cap: Int) throws -> (perWord: [Int], passages: Int)
}

/// Searches a story held in memory, passage by passage: for a save without a full-text
/// index (a SQLite built without FTS5, or a save only read), and as a reference in tests.
/// Ranks by the summed rarity of the words matched (rare words count most), then by recency.
public struct ScanIndex: StoryIndex {
    public let passages: [Passage]

    public init(passages: [Passage]) {
        self.passages = passages
    }

    /// Every turn of `adventure`'s tree, the opening included.
    public init(adventure: Adventure) {
        let turns = adventure.tree.turns.values.sorted { $0.id < $1.id }
        passages = PassageSplitter.passages(ofOpening: adventure.opening) + turns.flatMap(PassageSplitter.passages(of:))
    }

    public func search(_ words: [String], among turns: Set<Int>?, limit: Int) throws -> [FoundPassage] {
        let keys = Array(Set(words.map(Self.stem))).sorted()
        guard !keys.isEmpty, limit > 0 else { return [] }
        var found: [(passage: Passage, matched: [String], keys: Set<String>)] = []
        var documentFrequency: [String: Int] = [:]
        for passage in passages {
            var matched: [String] = []
            var hit = Set<String>()
            for word in RecallWords.words(passage.text) {
                let key = Self.stem(String(word))
                if keys.contains(key) {
                    if hit.insert(key).inserted { matched.append(String(word)) }
                }
            }
            for key in hit { documentFrequency[key, default: 0] += 1 }
            if !hit.isEmpty, turns?.contains(passage.turn) ?? true { found.append((passage, matched, hit)) }
        }
        let total = Double(max(1, passages.count))
        func score(_ keys: Set<String>) -> Double {
            keys.reduce(0) { $0 + log(total / Double(documentFrequency[$1] ?? 1)) + 0.01 }
        }
        return found.map { ($0, score($0.keys)) }
            .sorted { a, b in a.1 != b.1 ? a.1 > b.1 : (a.0.passage.turn, a.0.passage.ordinal) > (b.0.passage.turn, b.0.passage.ordinal) }
            .prefix(limit).map { FoundPassage(passage: $0.0.passage, matched: $0.0.matched) }
    }

    public func frequencies(of words: [String], upTo cap: Int) throws -> (perWord: [Int], passages: Int) {
        let keys = words.map(Self.stem)
        var counts = [String: Int]()
        for passage in passages {
            for key in Set(RecallWords.words(passage.text).map { Self.stem(String($0)) }) { counts[key, default: 0] += 1 }
        }
        return (keys.map { min(cap, counts[$0] ?? 0) }, passages.count)
    }

    /// A word's key: lowercased, accents dropped, a plural or verb ending taken off (a rough
    /// Porter step 1, close to what the full-text index's tokenizer does).
    static func stem(_ word: String) -> String {
        var key = word.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
        for suffix in ["ies", "es", "s", "ed", "ing"] where key.hasSuffix(suffix) && key.count > suffix.count + 2 {
            key.removeLast(suffix.count)
            break
        }
        return key
    }
}
