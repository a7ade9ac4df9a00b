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

    public init(reply: Reply?, attempts: Int, repetitive: Bool, cancelled: Bool, tokensPerSecond: Double, ending: Ending?) {
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
    public var sentenceExtension = 24
    /// How many times a repetitive or empty reply is generated again.
    public var loopRetries = 3
    /// Stop sequences: the model must not write the player's next action.
    public static let stopSequences = ["\n>", "> You", "\nYou:", "<|endoftext|>"]

    public init(adventure: Adventure) {
        self.adventure = adventure
    }

    // MARK: Acting

    /// Adds the player's action as a new turn awaiting its reply. Empty input continues the story.
    @discardableResult
    public mutating func act(_ input: String, mode: ActionMode) throws -> Turn {
        if let ending = adventure.ending, !adventure.continuedAfterEnding { throw StoryError.adventureEnded(ending) }
        if let last = adventure.turns.last, last.replies.isEmpty { throw StoryError.replyPending }
        let cleanInput = TextSanitizer.clean(input)
        let mode = cleanInput.trimmingSpaces.isEmpty ? .continue : mode
        let turn = Turn(mode: mode, input: cleanInput, action: ActionFormatter.format(cleanInput, mode: mode))
        adventure.turns.append(turn)
        adventure.undone.removeAll()
        return turn
    }

    /// Whether the last turn still waits for its reply (after a stop, or a crash mid-generation).
    public var awaitingReply: Bool { adventure.turns.last.map { $0.replies.isEmpty } ?? false }

    /// Takes back an action whose reply never came (stopped, failed, or cut off by a crash)
    /// and returns it, so the player can send it again, change it or do something else:
    /// the game's one rule for an unanswered action, as in AI Dungeon and KoboldAI.
    public mutating func takeBackUnansweredAction() -> Turn? {
        guard awaitingReply else { return nil }
        return adventure.turns.removeLast()
    }

    /// The builder for `generator`'s window, keeping room for a reply and its sentence end.
    public func contextBuilder(for generator: any TokenCounter, window: Int) -> ContextBuilder {
        ContextBuilder(counter: generator, window: window, reserved: adventure.settings.replyLength + sentenceExtension)
    }

    /// The exact prompt the next reply would get: for the action awaiting its reply or, when
    /// every turn has its reply, for letting the story continue. Used by the context inspector.
    public func nextPrompt(counter: any TokenCounter, window: Int) throws -> ContextPrompt {
        var adventure = self.adventure
        if !awaitingReply { adventure.turns.append(Turn(mode: .continue, input: "", action: "")) }
        return try contextBuilder(for: counter, window: window).prompt(for: adventure)
    }

    /// The exact prompt the next reply would be generated from.
    public func prompt(for generator: any TextGenerator) throws -> ContextPrompt {
        try contextBuilder(for: generator, window: generator.contextLength).prompt(for: adventure)
    }

    /// Writes a reply to the last turn and adds it as that turn's chosen reply. Calling it
    /// again is "retry": earlier replies are kept as alternatives. A reply that is empty or
    /// too like a recent one is generated again with a fresh seed and a little more
    /// temperature, up to `loopRetries` times.
    ///
    /// When `onText` stops the generation, the partial reply is kept only if `keepPartial`.
    public mutating func writeReply<R: RandomNumberGenerator>(
        with generator: any TextGenerator, random: inout R, keepPartial: Bool = false,
        onText: (String) -> Bool = { _ in true }
    ) throws -> ReplyOutcome {
        guard !adventure.turns.isEmpty else { throw StoryError.nothingToRetry }
        let prompt = try self.prompt(for: generator)
        let recent = adventure.turns.dropLast().suffix(3).map(\.reply) + adventure.turns.last!.replies.suffix(2).map(\.text)

        var attempt = 0
        var best: (text: String, seed: UInt64, settings: GenerationSettings)?
        var tokensPerSecond = 0.0
        while attempt <= loopRetries {
            var settings = adventure.settings
            settings.temperature = min(5, settings.temperature + 0.1 * Double(attempt))
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
            if !LoopGuard.isRepetitive(cleaned.text, recent: recent) {
                return commit((cleaned.text, seed, settings), attempts: attempt, repetitive: false, cancelled: false,
                              tokensPerSecond: tokensPerSecond)
            }
        }
        guard let best else { throw StoryError.noReply }
        return commit(best, attempts: attempt, repetitive: true, cancelled: false, tokensPerSecond: tokensPerSecond)
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
        let last = adventure.turns.count - 1
        adventure.turns[last].replies.append(reply)
        adventure.turns[last].chosen = adventure.turns[last].replies.count - 1
        var ending: Ending?
        if adventure.detectsEndings && !adventure.continuedAfterEnding {
            ending = EndingDetector.ending(in: reply.text)
            adventure.ending = ending
        }
        return ReplyOutcome(reply: reply, attempts: attempts, repetitive: repetitive, cancelled: cancelled,
                            tokensPerSecond: tokensPerSecond, ending: ending)
    }

    // MARK: Undo, redo, alternatives

    public mutating func undo() throws {
        guard let last = adventure.turns.popLast() else { throw StoryError.nothingToUndo }
        adventure.undone.append(last)
        adventure.ending = nil
        adventure.continuedAfterEnding = false
    }

    public mutating func redo() throws {
        guard let turn = adventure.undone.popLast() else { throw StoryError.nothingToRedo }
        adventure.turns.append(turn)
    }

    /// Shows another of a turn's replies (the last turn's by default; turns are numbered
    /// from 1): `offset` 1 for the next, -1 for the previous.
    public mutating func cycleReply(ofTurn number: Int? = nil, by offset: Int) throws {
        let index = (number ?? adventure.turns.count) - 1
        guard adventure.turns.indices.contains(index) else {
            throw number == nil ? StoryError.nothingToRetry : StoryError.noSuchTurn(index + 1)
        }
        guard adventure.turns[index].replies.count > 1 else { throw StoryError.noAlternatives }
        let count = adventure.turns[index].replies.count
        adventure.turns[index].chosen = ((adventure.turns[index].chosen + offset) % count + count) % count
    }

    /// Plays on after a game over or victory.
    public mutating func continueAfterEnding() {
        guard adventure.ending != nil else { return }
        adventure.continuedAfterEnding = true
    }

    // MARK: Editing

    /// Replaces a turn's action line and/or its chosen reply (turns are numbered from 1).
    public mutating func edit(turn number: Int, action: String? = nil, reply: String? = nil) throws {
        let index = number - 1
        guard adventure.turns.indices.contains(index) else { throw StoryError.noSuchTurn(number) }
        if let action { adventure.turns[index].action = TextSanitizer.clean(action).trimmingSpaces }
        if let reply {
            let text = TextSanitizer.clean(reply).trimmingSpaces
            if adventure.turns[index].replies.isEmpty {
                adventure.turns[index].replies = [Reply(text: text, seed: 0, settings: adventure.settings)]
            } else {
                adventure.turns[index].replies[adventure.turns[index].chosen].text = text
            }
        }
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

    public mutating func editWorldInfo(_ number: Int, entry: WorldInfoEntry) throws {
        guard adventure.worldInfo.indices.contains(number - 1) else { throw StoryError.noSuchWorldInfo(number) }
        adventure.worldInfo[number - 1] = Self.cleaned(entry)
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
        return WorldInfoEntry(keys: entry.keys.map(clean).filter { !$0.isEmpty }, text: clean(entry.text),
                              secondaryKeys: entry.secondaryKeys.map(clean).filter { !$0.isEmpty }, alwaysOn: entry.alwaysOn)
    }
}
