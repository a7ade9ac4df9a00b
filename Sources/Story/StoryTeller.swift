/// What came of asking the model for a reply.
public struct ReplyOutcome: Sendable, Equatable {
    public var reply: Reply?
    /// Attempts made (more than one when the loop guard rejected a reply).
    public var attempts: Int
    /// The reply still repeats recent ones after every retry.
    public var repetitive: Bool
    public var cancelled: Bool
    public var tokensPerSecond: Double
    public var ending: Ending?
    /// Why the loop guard turned down each earlier attempt.
    public var rejections: [ReplyRejection] = []

    public init(reply: Reply?, attempts: Int, repetitive: Bool, cancelled: Bool, tokensPerSecond: Double, ending: Ending?,
                rejections: [ReplyRejection] = []) {
        self.rejections = rejections
        self.reply = reply
        self.attempts = attempts
        self.repetitive = repetitive
        self.cancelled = cancelled
        self.tokensPerSecond = tokensPerSecond
        self.ending = ending
    }
}

/// The rules of play: the player's actions, the model's replies and every way to steer.
///
/// A value that owns an `Adventure`. Every method either changes the adventure or
/// throws and leaves it as it was; the caller saves the adventure after each change,
/// before showing it. The model and the random seeds are passed in, so tests run it
/// with a deterministic fake.
public struct StoryTeller: Sendable, Equatable {
    public private(set) var adventure: Adventure
    /// Tokens a reply may spend past its length to finish its last sentence.
    public var sentenceExtension = StoryTeller.defaultSentenceExtension
    public static let defaultSentenceExtension = 24
    /// How many times a repetitive or empty reply is generated again.
    public var loopRetries = 3
    /// Stop sequences: the model must not write the player's next action.
    public static let stopSequences = ["\n>", "> You", "\nYou:", "<|endoftext|>"]

    public init(adventure: Adventure) {
        self.adventure = adventure
    }

    // MARK: Acting

    /// Adds the player's action as a new turn after the current one, awaiting its reply.
    /// After an undo it becomes a sibling of the undone turn, which stays for `/alt` and
    /// the tree. Empty input continues the story.
    @discardableResult
    public mutating func act(_ input: String, mode: ActionMode) throws -> Turn {
        if let ending = adventure.ending, !adventure.continuedAfterEnding { throw StoryError.adventureEnded(ending) }
        if awaitingReply { throw StoryError.replyPending }
        let turn = Self.turn(for: input, mode: mode)
        let id = adventure.tree.add(after: adventure.tree.head, mode: turn.mode, input: turn.input, action: turn.action)
        return adventure.tree.turns[id] ?? turn
    }

    /// The turn `input` in `mode` becomes (not yet in the tree): empty input continues.
    static func turn(for input: String, mode: ActionMode) -> Turn {
        let cleanInput = TextSanitizer.clean(input)
        let mode = cleanInput.trimmingSpaces.isEmpty ? .continue : mode
        return Turn(id: 0, parent: 0, mode: mode, input: cleanInput, action: ActionFormatter.format(cleanInput, mode: mode))
    }

    /// Whether the current turn still waits for its reply (after a stop, or a crash mid-generation).
    public var awaitingReply: Bool { adventure.turns.last.map { $0.reply == nil } ?? false }

    /// Takes back an action whose reply never came (stopped, failed, or cut off by a crash)
    /// and returns it, so the player can send it again, change it or do something else:
    /// the game's one rule for an unanswered action, as in AI Dungeon and KoboldAI.
    public mutating func takeBackUnansweredAction() -> Turn? {
        guard awaitingReply, let turn = adventure.turns.last, adventure.tree.children(of: turn.id).isEmpty else { return nil }
        try? adventure.tree.remove(turn.id)
        return turn
    }

    /// The builder for `generator`'s window, keeping room for a reply and its sentence end,
    /// recalling from `recall` (the save file's index of this adventure) when there is one.
    public func contextBuilder(for generator: any TokenCounter, window: Int, recall: (any StoryIndex)? = nil) -> ContextBuilder {
        var builder = ContextBuilder(counter: generator, window: window, reserved: adventure.settings.replyLength + sentenceExtension)
        builder.recall = recall
        builder.recallTokens = adventure.settings.recallAllowance
        return builder
    }

    /// The exact prompt the next reply would get: for the action awaiting its reply or, when
    /// every turn has its reply, for letting the story continue. Used by the context inspector.
    public func nextPrompt(counter: any TokenCounter, window: Int, recall: (any StoryIndex)? = nil) throws -> ContextPrompt {
        let turns = awaitingReply ? adventure.turns : adventure.turns + [Self.turn(for: "", mode: .continue)]
        return try contextBuilder(for: counter, window: window, recall: recall).prompt(for: adventure, turns: turns)
    }

    /// The prompt acting `input` in `mode` would lead to, without acting: an action that
    /// can never fit beside the memory is refused before it becomes a turn.
    public func prompt(
        forAction input: String, mode: ActionMode, counter: any TokenCounter, window: Int, recall: (any StoryIndex)? = nil
    ) throws -> ContextPrompt {
        if awaitingReply { throw StoryError.replyPending }
        return try contextBuilder(for: counter, window: window, recall: recall)
            .prompt(for: adventure, turns: adventure.turns + [Self.turn(for: input, mode: mode)])
    }

    /// The exact prompt the next reply would be generated from.
    public func prompt(for generator: any TextGenerator, recall: (any StoryIndex)? = nil) throws -> ContextPrompt {
        try contextBuilder(for: generator, window: generator.contextLength, recall: recall).prompt(for: adventure)
    }

    /// Writes the reply to the current turn's action. When the turn has its reply already,
    /// this is "retry": the new reply becomes a sibling turn with the same action, and the
    /// earlier one stays in the tree (and for `/alt`). A reply that is empty or
    /// too like a recent one is generated again with a fresh seed and a little more
    /// temperature, up to `loopRetries` times.
    ///
    /// When `onText` stops the generation, the partial reply is kept only if `keepPartial`.
    public mutating func writeReply<R: RandomNumberGenerator>(
        with generator: any TextGenerator, random: inout R, keepPartial: Bool = false, recall: (any StoryIndex)? = nil,
        onText: (String) -> Bool = { _ in true }
    ) throws -> ReplyOutcome {
        guard let current = adventure.turns.last else { throw StoryError.nothingToRetry }
        let prompt = try self.prompt(for: generator, recall: recall)
        let siblings = adventure.tree.siblings(of: current.id).compactMap { adventure.tree.turns[$0]?.reply?.text }
        let recent = adventure.turns.dropLast().suffix(3).map(\.replyText) + siblings.suffix(2)

        var attempt = 0
        var best: (text: String, seed: UInt64, settings: GenerationSettings)?
        var tokensPerSecond = 0.0
        var rejections: [ReplyRejection] = []
        while attempt <= loopRetries {
            let settings = Self.strengthened(adventure.settings, attempt: attempt)
            let seed = random.next()
            attempt += 1
            let generated = try generator.generate(
                prompt: prompt.text, settings: settings, seed: seed, stopSequences: Self.stopSequences, onText: onText)
            tokensPerSecond = generated.tokensPerSecond
            var raw = generated.text
            if generated.cancelled {
                let partial = OutputCleaner.clean(raw).text
                guard keepPartial, !partial.isEmpty else {
                    return ReplyOutcome(reply: nil, attempts: attempt, repetitive: false, cancelled: true,
                                        tokensPerSecond: tokensPerSecond, ending: nil)
                }
                best = (partial, seed, settings)
                return commit(best!, attempts: attempt, repetitive: false, cancelled: true, tokensPerSecond: tokensPerSecond)
            }
            var cleaned = OutputCleaner.clean(raw)
            if !cleaned.endsSentence && !cleaned.text.isEmpty {
                raw += try finishSentence(prompt: prompt.text + raw, settings: settings, seed: seed, generator: generator)
                cleaned = OutputCleaner.clean(raw)
            }
            if !cleaned.text.isEmpty && best == nil { best = (cleaned.text, seed, settings) }
            guard let rejection = rejection(of: cleaned.text, recent: recent) else {
                var outcome = commit((cleaned.text, seed, settings), attempts: attempt, repetitive: false, cancelled: false,
                                     tokensPerSecond: tokensPerSecond)
                outcome.rejections = rejections
                return outcome
            }
            rejections.append(rejection)
        }
        guard let best else { throw StoryError.noReply(rejections: rejections) }
        var outcome = commit(best, attempts: attempt, repetitive: true, cancelled: false, tokensPerSecond: tokensPerSecond)
        outcome.rejections = rejections
        return outcome
    }

    /// Why the loop guard turns `reply` down, or nil to keep it.
    func rejection(of reply: String, recent: [String]) -> ReplyRejection? {
        if reply.trimmingSpaces.isEmpty { return .empty }
        if LoopGuard.isRepetitive(reply, recent: recent) { return .repetitive }
        if adventure.guardsPerson && PersonGuard.slips(reply) { return .firstPerson }
        return nil
    }

    /// The settings of retry `attempt` after the loop guard turned replies down: a little more
    /// temperature, presence penalty and DRY each time (attempt 0 is the adventure's own).
    static func strengthened(_ settings: GenerationSettings, attempt: Int) -> GenerationSettings {
        guard attempt > 0 else { return settings }
        var stronger = settings
        stronger.temperature = min(5, settings.temperature + 0.1 * Double(attempt))
        stronger.presencePenalty = min(2, settings.presencePenalty + 0.2 * Double(attempt))
        stronger.dryMultiplier = min(10, max(settings.dryMultiplier, 0.8) * (1 + 0.5 * Double(attempt - 1)))
        return stronger
    }

    /// A few more tokens, up to the first sentence end, for a reply cut mid-sentence.
    private func finishSentence(
        prompt: String, settings: GenerationSettings, seed: UInt64, generator: any TextGenerator
    ) throws -> String {
        var short = settings
        short.replyLength = sentenceExtension
        // A reply can tokenize longer than it was generated (bytes of a broken character come
        // back as several tokens): never ask for more than the window holds.
        guard generator.tokenCount(prompt) + sentenceExtension <= generator.contextLength else { return "" }
        let extra = try generator.generate(
            prompt: prompt, settings: short, seed: seed &+ 1, stopSequences: Self.stopSequences
        ) { piece in
            !piece.contains(where: { OutputCleaner.sentenceEnds.contains($0) })
        }
        return extra.text
    }

    private mutating func commit(
        _ chosen: (text: String, seed: UInt64, settings: GenerationSettings),
        attempts: Int, repetitive: Bool, cancelled: Bool, tokensPerSecond: Double
    ) -> ReplyOutcome {
        let reply = Reply(text: chosen.text, seed: chosen.seed, settings: chosen.settings)
        let current = adventure.turns[adventure.turns.count - 1]
        if current.reply == nil {
            adventure.tree.update(current.id) { $0.reply = reply }
        } else {
            adventure.tree.add(after: current.parent, mode: current.mode, input: current.input, action: current.action, reply: reply)
        }
        var ending: Ending?
        if adventure.detectsEndings && !adventure.continuedAfterEnding {
            ending = EndingDetector.ending(in: reply.text)
            adventure.ending = ending
        }
        return ReplyOutcome(reply: reply, attempts: attempts, repetitive: repetitive, cancelled: cancelled,
                            tokensPerSecond: tokensPerSecond, ending: ending)
    }

    // MARK: Undo, redo, alternatives, branches

    /// Steps back one turn. The turn stays in the tree: `redo` comes back to it, and an
    /// action typed now starts a branch beside it.
    public mutating func undo() throws {
        guard let current = adventure.turns.last else { throw StoryError.nothingToUndo }
        adventure.tree.moveHead(to: current.parent)
        adventure.ending = nil
        adventure.continuedAfterEnding = false
    }

    /// Steps forward to the child visited last.
    public mutating func redo() throws {
        guard let next = adventure.tree.lastVisited[adventure.tree.head] else { throw StoryError.nothingToRedo }
        adventure.tree.moveHead(to: next)
        recheckEnding()
    }

    /// Switches turn `number` of the story (from 1; the current turn by default) to its next
    /// sibling (`offset` 1) or previous one (-1): another reply, or another action tried
    /// there. The story then runs on as far as the player went on that branch.
    public mutating func switchBranch(atTurn number: Int? = nil, by offset: Int) throws {
        let index = (number ?? adventure.turns.count) - 1
        guard adventure.turns.indices.contains(index) else {
            throw number == nil ? StoryError.nothingToRetry : StoryError.noSuchTurn(index + 1)
        }
        let turn = adventure.turns[index]
        let siblings = adventure.tree.siblings(of: turn.id)
        guard siblings.count > 1, let position = siblings.firstIndex(of: turn.id) else { throw StoryError.noAlternatives }
        let count = siblings.count
        select(siblings[((position + offset) % count + count) % count])
    }

    /// Makes turn `id`'s branch the story (down to the last turn visited on it).
    public mutating func select(_ id: Int) {
        adventure.tree.select(id)
        recheckEnding()
    }

    /// An ending belongs to the branch it was reached on: after moving to another branch the
    /// story has ended only if that branch's last reply ends it.
    private mutating func recheckEnding() {
        guard adventure.detectsEndings else { return }
        let reached = adventure.endingReached
        if reached != adventure.ending {
            adventure.ending = reached
            adventure.continuedAfterEnding = false
        }
    }

    /// Deletes turn `id` and every turn after it. Turns of the story on screen cannot be
    /// deleted (undo first, or switch branch).
    public mutating func deleteBranch(_ id: Int) throws {
        guard adventure.tree.turns[id] != nil else { throw StoryError.noSuchBranch }
        guard !adventure.tree.isOnPath(id) else { throw StoryError.branchOnPath }
        try adventure.tree.remove(id)
    }

    /// Which of its siblings the current turn is, and how many there are ("reply 2/3").
    public func position(ofTurn number: Int? = nil) -> (index: Int, count: Int)? {
        let index = (number ?? adventure.turns.count) - 1
        guard adventure.turns.indices.contains(index) else { return nil }
        let siblings = adventure.tree.siblings(of: adventure.turns[index].id)
        return (siblings.firstIndex(of: adventure.turns[index].id) ?? 0, siblings.count)
    }

    /// Plays on after a game over or victory.
    public mutating func continueAfterEnding() {
        guard adventure.ending != nil else { return }
        adventure.continuedAfterEnding = true
    }

    // MARK: Editing

    /// Replaces a turn's action line and/or its reply (turns are numbered from 1). A turn
    /// with turns after it is not changed: the edit becomes a sibling turn, current, so the
    /// story that followed the old text stays intact on its branch. Returns whether it did.
    @discardableResult
    public mutating func edit(turn number: Int, action: String? = nil, reply: String? = nil) throws -> Bool {
        let index = number - 1
        guard adventure.turns.indices.contains(index) else { throw StoryError.noSuchTurn(number) }
        var edited = adventure.turns[index]
        if let action { edited.action = TextSanitizer.clean(action).trimmingSpaces }
        if let reply {
            let text = TextSanitizer.clean(reply).trimmingSpaces
            edited.reply = Reply(text: text, seed: edited.reply?.seed ?? 0, settings: edited.reply?.settings ?? adventure.settings)
        }
        guard !adventure.tree.children(of: edited.id).isEmpty else {
            adventure.tree.update(edited.id) { $0 = edited }
            return false
        }
        adventure.tree.add(after: edited.parent, mode: edited.mode, input: edited.input, action: edited.action, reply: edited.reply)
        return true
    }

    public mutating func editOpening(_ text: String) {
        adventure.opening = TextSanitizer.clean(text).trimmingSpaces
    }

    public mutating func rename(_ title: String) {
        let clean = TextSanitizer.clean(title).trimmingSpaces
        if !clean.isEmpty { adventure.title = clean }
    }

    // MARK: Memory, world info, author's note, settings

    public mutating func remember(_ text: String) {
        let clean = TextSanitizer.clean(text).trimmingSpaces
        if !clean.isEmpty { adventure.memory.append(clean) }
    }

    /// Forgets memory entry `number` (from 1, as `/memory` lists them).
    public mutating func forget(_ number: Int) throws {
        guard adventure.memory.indices.contains(number - 1) else { throw StoryError.noSuchMemory(number) }
        adventure.memory.remove(at: number - 1)
    }

    public mutating func editMemory(_ number: Int, text: String) throws {
        guard adventure.memory.indices.contains(number - 1) else { throw StoryError.noSuchMemory(number) }
        adventure.memory[number - 1] = TextSanitizer.clean(text).trimmingSpaces
    }

    public mutating func addWorldInfo(_ entry: WorldInfoEntry) {
        adventure.worldInfo.append(Self.cleaned(entry))
    }

    /// Replaces entry `number`'s keys, text and always-on flag; what the editor does not
    /// show (anti-keys, disabled, comment, and how an imported lorebook matched: secondary
    /// keys and their logic, case, whole words, order, scan depth) stays as it was.
    public mutating func editWorldInfo(_ number: Int, entry: WorldInfoEntry) throws {
        guard adventure.worldInfo.indices.contains(number - 1) else { throw StoryError.noSuchWorldInfo(number) }
        var edited = adventure.worldInfo[number - 1]
        let new = Self.cleaned(entry)
        (edited.keys, edited.text, edited.alwaysOn) = (new.keys, new.text, new.alwaysOn)
        if !new.secondaryKeys.isEmpty { edited.secondaryKeys = new.secondaryKeys }
        adventure.worldInfo[number - 1] = edited
    }

    /// Switches entry `number` off (kept, never shown to the model) or on again.
    public mutating func setWorldInfoDisabled(_ number: Int, _ disabled: Bool) throws {
        guard adventure.worldInfo.indices.contains(number - 1) else { throw StoryError.noSuchWorldInfo(number) }
        adventure.worldInfo[number - 1].disabled = disabled
    }

    public mutating func removeWorldInfo(_ number: Int) throws {
        guard adventure.worldInfo.indices.contains(number - 1) else { throw StoryError.noSuchWorldInfo(number) }
        adventure.worldInfo.remove(at: number - 1)
    }

    public mutating func setAuthorsNote(_ note: String) {
        adventure.authorsNote = TextSanitizer.clean(note).trimmingSpaces
    }

    public mutating func setSettings(_ settings: GenerationSettings) throws {
        if let problem = settings.problem { throw StoryError.invalidSettings(problem) }
        adventure.settings = settings
    }

    public mutating func setDetectsEndings(_ on: Bool) {
        adventure.detectsEndings = on
        if !on { adventure.ending = nil }
    }

    private static func cleaned(_ entry: WorldInfoEntry) -> WorldInfoEntry {
        let clean = { (s: String) in TextSanitizer.clean(s).trimmingSpaces }
        var cleaned = entry
        cleaned.keys = entry.keys.map(clean).filter { !$0.isEmpty }
        cleaned.text = clean(entry.text)
        cleaned.secondaryKeys = entry.secondaryKeys.map(clean).filter { !$0.isEmpty }
        cleaned.antiKeys = entry.antiKeys.map(clean).filter { !$0.isEmpty }
        cleaned.comment = clean(entry.comment)
        return cleaned
    }
}
