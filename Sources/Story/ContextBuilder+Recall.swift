/// A passage recall put in a prompt.
public struct RecalledPassage: Sendable, Equatable {
    /// The turn it is from, numbered as the story on screen numbers it (0: the opening).
    public var turnNumber: Int
    public var passage: Passage
    /// The query's words that found it.
    public var matched: [String]
    /// Found by words only the current action has (it sits just before the action).
    public var nearAction: Bool
}

/// What recall adds to one prompt.
struct RecallSections {
    var story: [RecalledPassage] = []
    var action: [RecalledPassage] = []
    var storyText = ""
    var actionText = ""
    var words: [String] = []
}

extension ContextBuilder {
    /// The header the model reads the recalled passages under, as it reads the author's note.
    static func recallText(_ passages: [RecalledPassage]) -> String {
        guard !passages.isEmpty else { return "" }
        return "[Earlier in the story: " + passages.map(\.passage.text).joined(separator: " … ") + "]\n"
    }

    /// Passages of turns that scrolled out of the story section (those before `firstKept` of
    /// `history`, and the opening unless `openingKept`), found by the distinctive words of the
    /// latest turn and then of the action, within `allowance` tokens. The first part depends
    /// only on the story before the action, so it can be read ahead while the player types;
    /// the action's own words get what is left, at least a third of the allowance.
    func recallSections(
        history: [Turn], firstKept: Int, openingKept: Bool, known: Set<String>, actionSource: String, allowance: Int
    ) -> RecallSections {
        var result = RecallSections()
        guard let index = recall, allowance > 0 else { return result }
        var scrolled = Set(history[..<min(firstKept, history.count)].map(\.id))
        if !openingKept { scrolled.insert(StoryTree.opening) }
        guard !scrolled.isEmpty else { return result }
        var numbers = [StoryTree.opening: 0]
        for (offset, turn) in history.enumerated() { numbers[turn.id] = offset + 1 }

        let latest = history.last.map { [$0.action, $0.replyText].joined(separator: "\n") } ?? ""
        let storyWords = distinctive(RecallWords.split(latest, excluding: known), in: index)
        let storyAllowance = allowance - allowance / 3
        result.story = pick(index, words: storyWords, among: scrolled, numbers: numbers, taken: [], budget: storyAllowance,
                            nearAction: false)
        result.storyText = Self.recallText(result.story)

        let alreadyRead = known.union(RecallWords.vocabulary(latest)).union(storyWords.names + storyWords.others)
            .union(RecallWords.vocabulary(result.storyText))
        let actionWords = distinctive(RecallWords.split(actionSource, excluding: alreadyRead), in: index)
        let used = result.storyText.isEmpty ? 0 : counter.tokenCount(result.storyText)
        result.action = pick(index, words: actionWords, among: scrolled, numbers: numbers, taken: Set(result.story.map(\.passage)),
                             budget: allowance - used, nearAction: true)
        result.actionText = Self.recallText(result.action)
        result.words = storyWords.names + storyWords.others + actionWords.names + actionWords.others
        return result
    }

    /// The words of `words` that point somewhere: found in the story, in no more than one
    /// passage in fifty (and at most `maxFrequency`). A word the whole story uses ("lantern"
    /// in a dungeon crawl) would recall any passage; a name met once recalls its passage.
    private func distinctive(_ words: (names: [String], others: [String]), in index: any StoryIndex)
        -> (names: [String], others: [String]) {
        let all = words.names + words.others
        guard !all.isEmpty, let (counts, passages) = try? index.frequencies(of: all, upTo: Self.maxFrequency + 1) else { return ([], []) }
        let limit = max(4, min(Self.maxFrequency, passages / 50))
        let kept = Set(zip(all, counts).filter { $0.1 > 0 && $0.1 <= limit }.map(\.0))
        return (words.names.filter(kept.contains), words.others.filter(kept.contains))
    }

    static let maxFrequency = 40

    /// The best passages that fit `budget` tokens together, in story order. A failing index
    /// (a damaged save, say) recalls nothing rather than stopping the story.
    /// Passages found by names come first: a name met once points at one place in the story,
    /// a common word met as rarely may be chance.
    private func pick(
        _ index: any StoryIndex, words: (names: [String], others: [String]), among turns: Set<Int>, numbers: [Int: Int],
        taken: Set<Passage>, budget: Int, nearAction: Bool
    ) -> [RecalledPassage] {
        let all = words.names + words.others
        guard !all.isEmpty, budget > 8 else { return [] }
        var found: [FoundPassage] = []
        for query in [words.names, all] where !query.isEmpty {
            guard let hits = try? index.search(query, among: turns, limit: 16) else { return [] }
            found += hits.filter { hit in !found.contains { $0.passage == hit.passage } }
        }
        var chosen: [RecalledPassage] = []
        for hit in found where !taken.contains(hit.passage) {
            guard let number = numbers[hit.passage.turn] else { continue }
            let candidate = (chosen + [RecalledPassage(turnNumber: number, passage: hit.passage, matched: hit.matched,
                                                       nearAction: nearAction)])
                .sorted { ($0.turnNumber, $0.passage.ordinal) < ($1.turnNumber, $1.passage.ordinal) }
            if counter.tokenCount(Self.recallText(candidate)) <= budget { chosen = candidate }
            if chosen.count >= 4 { break }
        }
        return chosen
    }
}
