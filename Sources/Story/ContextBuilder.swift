/// One labelled part of the prompt, for the context inspector.
public struct ContextSection: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case memory = "Memory", worldInfo = "World info", story = "Story", recall = "Recall"
        case authorsNote = "Author's note", action = "Action"
    }

    public var kind: Kind
    public var text: String
    /// Tokens of this section on its own (the sections' sum can differ from the whole
    /// prompt's by a token or two where text on either side of a boundary merges).
    public var tokens: Int
}

/// The exact prompt for the next reply, and how it was put together.
public struct ContextPrompt: Sendable, Equatable {
    public var text: String
    public var sections: [ContextSection]
    /// Tokens of `text`, counted with the model's tokenizer.
    public var tokens: Int
    /// The window the prompt and its reply share.
    public var window: Int
    /// Tokens kept free for the reply.
    public var reserved: Int
    /// How many turns of the story made it in (the oldest are dropped first).
    public var turnsIncluded: Int
    public var turnsDropped: Int
    /// The passages recall put in (from turns no longer in the story section).
    public var recalled: [RecalledPassage] = []
    /// The words recall searched for.
    public var recallWords: [String] = []
    /// The text the prompt will start with once its story's start next moves (the next block
    /// of old turns dropped): the memory, then the story from that block up to where the note
    /// and world info sit. An engine can read it into a second cache while the player reads,
    /// so the turn that drops old turns does not read the whole window after Enter. Nil while
    /// the story fills under half the window and nothing has been dropped, or when that story
    /// would be empty.
    public var upcoming: String?
}

/// Builds the model's prompt from an adventure within the context window:
///
///     pinned memory
///     as many recent turns as fit, oldest dropped first, whole turns at a time
///       ... then, about `noteDepth` tokens before the story's end:
///       passages recalled from turns that scrolled out, by the latest turn's words
///       world info triggered by the recent story
///       the author's note
///     passages recalled by words only the current action has
///     world info that only the current action triggers
///     the current action
///
/// The layout keeps the prompt's prefix stable from turn to turn, so the engine reuses
/// its KV cache for it (GPT-2's positions are absolute: anything inserted above shifts,
/// and re-reads, everything below):
/// - memory never changes with the story; world info sits with the note near the end
///   (KoboldAI Lite's "before the author's note") rather than above the story, and an
///   entry that only the new action triggers goes just before the action (a turn later,
///   the story triggers it and it joins the others);
/// - the note's depth is measured from the story's end without the action, so where it
///   goes does not depend on what the player types: everything before the action can be
///   read ahead while the player types, and Enter costs the action and the entries it
///   triggers;
/// - old turns are dropped in blocks of `dropBlock` turns: the story's start moves (and
///   the window is read again) once every `dropBlock` turns at most, at the price of up
///   to `dropBlock` turns of context. Four turns (about a third of a 1,024-token window
///   at the default reply length) balances the two; reading ahead hides the re-read.
public struct ContextBuilder {
    public var counter: any TokenCounter
    public var window: Int
    /// Tokens kept free for the reply (its length plus room to finish a sentence).
    public var reserved: Int
    public var noteDepth = 80
    public var dropBlock = 4
    /// Room kept for the action and the world info only it triggers, even when they are
    /// shorter (or absent, as in the prompt read ahead before the player types): an action
    /// that fits never moves the story's start, so what was read ahead stays usable.
    public var actionAllowance = 64
    /// How many recent turns are searched for world-info keys (an entry may set its own).
    public var worldInfoScanTurns = 4
    /// Where recall searches the story; nil turns recall off.
    public var recall: (any StoryIndex)?
    /// Tokens reserved every turn for recalled passages (used or not, so recall never moves
    /// the story's start); 0 turns recall off.
    public var recallTokens = 0

    public init(counter: any TokenCounter, window: Int, reserved: Int) {
        self.counter = counter
        self.window = window
        self.reserved = reserved
    }

    /// The prompt for a reply to the last turn of `adventure`, whose action is the "current action".
    public func prompt(for adventure: Adventure) throws -> ContextPrompt {
        try prompt(for: adventure, turns: adventure.turns)
    }

    /// The prompt for a reply to the last of `turns`, with `adventure`'s opening, memory,
    /// world info and note: for a turn not yet in the tree, without copying the tree.
    public func prompt(for adventure: Adventure, turns: [Turn]) throws -> ContextPrompt {
        let budget = window - reserved
        var history = turns
        let current = history.popLast()

        let memoryText = adventure.memory.map(\.trimmingSpaces).filter { !$0.isEmpty }.joined(separator: "\n")
        let memoryTokens = memoryText.isEmpty ? 0 : counter.tokenCount(memoryText + "\n")
        guard memoryTokens <= budget - 8 else { throw StoryError.memoryTooLarge(tokens: memoryTokens, budget: budget - 8) }

        let actionText = current.map(Self.actionPromptText) ?? ""
        let actionTokens = actionText.isEmpty ? 0 : counter.tokenCount(actionText)
        guard memoryTokens + actionTokens <= budget - 4 else {
            throw StoryError.actionTooLarge(tokens: actionTokens, budget: max(0, budget - 4 - memoryTokens))
        }

        // Each entry searches its own depth of recent turns; those only the action triggers
        // are told apart from those the story before it does.
        let turnTexts = history.map { [$0.action, $0.replyText].joined(separator: "\n") }
        let scan = WorldInfoMatcher.Scan(opening: adventure.opening, turns: turnTexts,
                                         action: [current?.input ?? "", actionText].joined(separator: "\n"), depth: worldInfoScanTurns)
        let entries = WorldInfoMatcher.triggered(adventure.worldInfo, in: scan)
        let worldText = entries.map(\.text.trimmingSpaces).filter { !$0.isEmpty }.joined(separator: "\n")
        let worldTokens = worldText.isEmpty ? 0 : counter.tokenCount(worldText + "\n")
        var storyScan = scan
        storyScan.action = ""
        let storyEntries = WorldInfoMatcher.triggered(adventure.worldInfo, in: storyScan)
        let storyWorldText = storyEntries.map(\.text.trimmingSpaces).filter { !$0.isEmpty }.joined(separator: "\n")
        let storyWorldTokens = storyWorldText.isEmpty ? 0 : counter.tokenCount(storyWorldText + "\n")
        let note = adventure.authorsNote.trimmingSpaces
        let noteTokens = note.isEmpty ? 0 : counter.tokenCount(Self.noteText(note, template: adventure.noteTemplate))
        let actionEntries = entries.filter { entry in !storyEntries.contains(entry) }
        let actionWorldText = actionEntries.map(\.text.trimmingSpaces).filter { !$0.isEmpty }.joined(separator: "\n")
        let needed = memoryTokens + worldTokens + actionTokens + noteTokens
        guard needed <= budget - 4 else {
            throw StoryError.worldInfoTooLarge(tokens: worldTokens, budget: max(0, budget - 4 - memoryTokens - actionTokens))
        }
        // The story's room leaves the action's allowance free, where there is room for it.
        let actionShare = max(actionTokens + max(0, worldTokens - storyWorldTokens), min(actionAllowance, budget / 8))
        let base = max(needed, min(budget - 4, memoryTokens + storyWorldTokens + actionShare + noteTokens))
        let recallAllowance = recall == nil ? 0 : max(0, min(recallTokens, budget - 4 - base))
        let fixed = base + recallAllowance

        // Story paragraphs: the opening, then each earlier turn's action and reply.
        let paragraphs = [Paragraph(text: adventure.opening, turn: -1)]
            + history.enumerated().flatMap { index, turn in Self.paragraphs(of: turn).map { Paragraph(text: $0, turn: index) } }
        // The first paragraph kept: as early as fits, moved later to a block boundary. Only
        // paragraphs from the end up to the first that does not fit are tokenized, so a long
        // adventure costs what its window holds, not its whole history.
        var counts = [Int](repeating: 0, count: paragraphs.count)
        var first = paragraphs.count
        var used = fixed
        while first > 0 {
            counts[first - 1] = counter.tokenCount(paragraphs[first - 1].text + "\n")
            guard used + counts[first - 1] <= budget else { break }
            used += counts[first - 1]
            first -= 1
        }
        if first > 0 { first = alignedToBlock(first, paragraphs: paragraphs) }

        let lore = [memoryText, storyWorldText, actionWorldText, note].joined(separator: "\n")
        while true {
            let recalled = recallAllowance == 0 ? RecallSections() : recallSections(
                history: history, firstKept: paragraphs[first...].first.map { max(0, $0.turn) } ?? history.count,
                openingKept: first == 0, known: known(lore: lore, paragraphs: paragraphs[first...], latest: history.count - 1),
                actionSource: actionText, allowance: recallAllowance)
            var candidate = assemble(adventure: adventure, memory: memoryText, world: storyWorldText, actionWorld: actionWorldText,
                                     paragraphs: Array(paragraphs[first...]), counts: Array(counts[first...]),
                                     action: actionText, recalled: recalled)
            candidate.recalled = recalled.story + recalled.action
            candidate.recallWords = recalled.words
            if candidate.tokens <= budget || first == paragraphs.count {
                guard candidate.tokens <= budget else {
                    throw StoryError.memoryTooLarge(tokens: candidate.tokens, budget: budget)
                }
                let keptTurns = Set(paragraphs[first...].map(\.turn).filter { $0 >= 0 })
                var prompt = candidate
                prompt.turnsIncluded = keptTurns.count
                prompt.turnsDropped = history.count - keptTurns.count
                if first == 0 && prompt.tokens * 2 < budget { prompt.upcoming = nil }
                return prompt
            }
            first += 1  // the sum of parts undercounted a merge at a boundary; drop one more
        }
    }

    /// The text that ends the prompt for `turn`: its action, on its own line.
    static func actionPromptText(_ turn: Turn) -> String {
        turn.action.isEmpty ? "" : turn.action + "\n"
    }

    /// The author's note as the model sees it: the adventure's template with `<|>` standing
    /// for the note ("[Author's note: <|>]", as AI Dungeon and KoboldAI write it, by default).
    static func noteText(_ note: String, template: String = Adventure.defaultNoteTemplate) -> String {
        let template = template.contains("<|>") ? template : Adventure.defaultNoteTemplate
        return template.replacingOccurrences(of: "<|>", with: note) + "\n"
    }

    /// The words the prompt already holds apart from the latest turn: recall does not search for them.
    private func known(lore: String, paragraphs: ArraySlice<Paragraph>, latest: Int) -> Set<String> {
        RecallWords.vocabulary(lore + "\n" + paragraphs.filter { $0.turn != latest }.map(\.text).joined(separator: "\n"))
    }

    static func paragraphs(of turn: Turn) -> [String] {
        [turn.action, turn.replyText].filter { !$0.isEmpty }
    }

    private struct Paragraph {
        var text: String
        var turn: Int
    }

    /// Moves a cut forward to the next turn whose index is a multiple of `dropBlock`,
    /// never past the last earlier turn, and never splitting a turn.
    private func alignedToBlock(_ first: Int, paragraphs: [Paragraph]) -> Int {
        var index = first
        // Never start in the middle of a turn: skip to that turn's first paragraph.
        while index < paragraphs.count && index > 0 && paragraphs[index - 1].turn == paragraphs[index].turn { index += 1 }
        guard index < paragraphs.count else { return index }
        let turn = paragraphs[index].turn
        let target = (turn + dropBlock - 1) / dropBlock * dropBlock
        let lastTurn = paragraphs.last!.turn
        guard target <= lastTurn else { return index }
        while index < paragraphs.count && paragraphs[index].turn < target { index += 1 }
        return index
    }

    /// Where world info and the note go among the story's paragraphs (`counts`, their tokens):
    /// before the paragraph at which about `noteDepth` tokens of story remain (the action not
    /// counted, so the place does not depend on it); after the story when nothing goes there.
    private func noteIndex(counts: [Int], anythingThere: Bool) -> Int {
        var index = counts.count
        guard anythingThere else { return index }
        var depth = 0
        while index > 0 && depth < noteDepth {
            index -= 1
            depth += counts[index]
        }
        return index
    }

    /// `ContextPrompt.upcoming` for a story kept from `paragraphs`' first (`counts`, their
    /// tokens): the memory and the paragraphs from the next block of turns up to the note's
    /// place (which stays about `noteDepth` tokens from the story's end, so the text before it
    /// only grows). The start moves when a new turn overflows the window, by as little as frees
    /// that turn's tokens, then on to a block boundary: after turn t, the next multiple of
    /// `dropBlock`; after the opening, turn 0 when the opening alone is as long as the latest
    /// turn, else the first boundary past it. A guess that misses costs only the time spent
    /// (the cache is matched by tokens).
    private func upcoming(memory: String, paragraphs: [Paragraph], counts: [Int], noteIndex: Int) -> String? {
        guard let firstTurn = paragraphs.first?.turn, let lastTurn = paragraphs.last?.turn else { return nil }
        var nextTurn = (firstTurn / dropBlock + 1) * dropBlock
        if firstTurn < 0 {
            let latest = zip(paragraphs, counts).filter { $0.0.turn == lastTurn }.map(\.1).reduce(0, +)
            nextTurn = counts[0] >= latest ? 0 : dropBlock
        }
        let beforeNote = paragraphs.prefix(noteIndex)
        guard let start = beforeNote.firstIndex(where: { $0.turn >= nextTurn }) else { return nil }
        let story = beforeNote[start...].map { $0.text + "\n" }.joined()
        return (memory.isEmpty ? "" : memory + "\n") + story
    }

    private func assemble(
        adventure: Adventure, memory: String, world: String, actionWorld: String, paragraphs: [Paragraph], counts: [Int],
        action: String, recalled: RecallSections
    ) -> ContextPrompt {
        var sections: [ContextSection] = []
        if !memory.isEmpty { sections.append(ContextSection(kind: .memory, text: memory + "\n", tokens: 0)) }

        let note = adventure.authorsNote.trimmingSpaces
        let noteIndex = noteIndex(counts: counts, anythingThere: !note.isEmpty || !world.isEmpty || !recalled.storyText.isEmpty)
        let before = paragraphs[..<noteIndex].map { $0.text + "\n" }.joined()
        let after = paragraphs[noteIndex...].map { $0.text + "\n" }.joined()
        if !before.isEmpty { sections.append(ContextSection(kind: .story, text: before, tokens: 0)) }
        if !recalled.storyText.isEmpty { sections.append(ContextSection(kind: .recall, text: recalled.storyText, tokens: 0)) }
        if !world.isEmpty { sections.append(ContextSection(kind: .worldInfo, text: world + "\n", tokens: 0)) }
        if !note.isEmpty { sections.append(ContextSection(kind: .authorsNote, text: Self.noteText(note, template: adventure.noteTemplate), tokens: 0)) }
        if !after.isEmpty { sections.append(ContextSection(kind: .story, text: after, tokens: 0)) }
        // Recall and entries only the action triggers go just before it: Enter reads them with the action.
        if !recalled.actionText.isEmpty { sections.append(ContextSection(kind: .recall, text: recalled.actionText, tokens: 0)) }
        if !actionWorld.isEmpty { sections.append(ContextSection(kind: .worldInfo, text: actionWorld + "\n", tokens: 0)) }
        if !action.isEmpty { sections.append(ContextSection(kind: .action, text: action, tokens: 0)) }

        for i in sections.indices { sections[i].tokens = counter.tokenCount(sections[i].text) }
        let text = sections.map(\.text).joined()
        var prompt = ContextPrompt(text: text, sections: sections, tokens: counter.tokenCount(text), window: window,
                                   reserved: reserved, turnsIncluded: 0, turnsDropped: 0)
        // Ends where the note would go even when nothing goes there yet: world info the story
        // triggers later goes there.
        prompt.upcoming = upcoming(memory: memory, paragraphs: paragraphs, counts: counts,
                                   noteIndex: self.noteIndex(counts: counts, anythingThere: true))
        return prompt
    }
}
