/// The player's own search of a story (`/recall TEXT`, `dungeon search`): the text's words,
/// common ones left out unless nothing else is left, found through the story's index.
public enum StorySearcher {
    /// Up to `limit` passages, best first, numbered as the story on screen numbers its turns
    /// (nil for a passage on another branch, found only with `allBranches`).
    public static func search(
        _ text: String, allBranches: Bool, in adventure: Adventure, index: any StoryIndex, limit: Int = 40
    ) throws -> StorySearchResult {
        var words = RecallWords.query(from: text)
        if words.isEmpty { words = RecallWords.words(text).map { $0.lowercased() } }
        var numbers = [StoryTree.opening: 0]
        for (offset, turn) in adventure.turns.enumerated() { numbers[turn.id] = offset + 1 }
        let among: Set<Int>? = allBranches ? nil : Set(numbers.keys)
        let found = words.isEmpty ? [] : try index.search(words, among: among, limit: limit)
        return StorySearchResult(words: words, hits: found.map { hit in
            StorySearchResult.Hit(turn: hit.passage.turn, number: numbers[hit.passage.turn], text: hit.passage.text, matched: hit.matched)
        })
    }
}

/// What a player's search found.
public struct StorySearchResult: Sendable, Equatable {
    public struct Hit: Sendable, Equatable {
        /// The turn's id in the tree (`StoryTree.opening` for the opening).
        public var turn: Int
        /// Its number in the story on screen (0: the opening); nil on another branch.
        public var number: Int?
        public var text: String
        public var matched: [String]

        public init(turn: Int, number: Int?, text: String, matched: [String]) {
            self.turn = turn
            self.number = number
            self.text = text
            self.matched = matched
        }
    }

    public var words: [String]
    public var hits: [Hit]
}
