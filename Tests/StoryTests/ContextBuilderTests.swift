import Testing
@testable import Story

/// An adventure with `count` answered turns, each distinct and of similar length.
func adventure(turns count: Int, memory: [String] = [], note: String = "") -> Adventure {
    let turns = (0..<count).map { index in
        let n = index + 1
        return LinearTurn(mode: .do, input: "walk \(n)", action: "> You walk to room \(n).", replies: [
            Reply(text: "Room \(n) is quiet and full of dust; a lamp burns low in the corner number \(n).",
                  seed: UInt64(n), settings: GenerationSettings())])
    }
    return Adventure(title: "Test", opening: "You stand at the gate of the old city.", turns: turns, memory: memory, authorsNote: note)
}

func withCurrentAction(_ adventure: Adventure, _ input: String = "look around") -> Adventure {
    var teller = StoryTeller(adventure: adventure)
    try! teller.act(input, mode: .do)
    return teller.adventure
}

@Suite struct ContextBuilderTests {
    let counter = RealCounter()

    @Test func layoutIsMemoryStoryWorldInfoNoteAction() throws {
        var story = adventure(turns: 6, memory: ["You are a thief named Kell."], note: "Write tense, short sentences.")
        story.worldInfo = [WorldInfoEntry(keys: ["lamp"], text: "Lamps in this city burn whale oil.")]
        let prompt = try ContextBuilder(counter: counter, window: 1024, reserved: 84).prompt(for: withCurrentAction(story))
        #expect(prompt.sections.map(\.kind) == [.memory, .story, .worldInfo, .authorsNote, .story, .action])
        #expect(prompt.text.hasPrefix("You are a thief named Kell.\nYou stand at the gate"))
        #expect(prompt.text.contains("Lamps in this city burn whale oil.\n[Author's note: Write tense, short sentences.]\n"))
        #expect(prompt.text.hasSuffix("> You look around.\n"))
        #expect(prompt.tokens == counter.tokenCount(prompt.text))
        #expect(prompt.turnsIncluded == 6 && prompt.turnsDropped == 0)
    }

    @Test func authorsNoteSitsAboutEightyTokensBeforeTheEnd() throws {
        let story = withCurrentAction(adventure(turns: 12, note: "The mood is grim."))
        let prompt = try ContextBuilder(counter: counter, window: 1024, reserved: 84).prompt(for: story)
        let note = try #require(prompt.text.range(of: "[Author's note: The mood is grim.]\n"))
        // About 80 tokens of story follow it, then the action (not counted in the depth).
        let action = counter.tokenCount("> You look around.\n")
        let after = counter.tokenCount(String(prompt.text[note.upperBound...])) - action
        #expect(after >= 80)
        #expect(after < 80 + 40)  // no more than one paragraph past the depth
    }

    @Test func oldestTurnsAreDroppedWholeAndThePromptFits() throws {
        for window in [200, 300, 512] {
            let story = withCurrentAction(adventure(turns: 40))
            let builder = ContextBuilder(counter: counter, window: window, reserved: 84)
            let prompt = try builder.prompt(for: story)
            #expect(prompt.tokens <= window - 84)
            #expect(prompt.turnsDropped > 0)
            // The story starts at a turn's action line, never in the middle of a turn.
            let storyText = prompt.sections.first { $0.kind == .story }!.text
            #expect(storyText.hasPrefix("> You walk to room "))
            // The most recent turn is always there.
            #expect(prompt.text.contains("Room 40 is quiet"))
        }
    }

    @Test func turnsAreDroppedInBlocksSoThePrefixStaysStable() throws {
        // Over many turns, the first story line changes only when a whole block is dropped.
        var starts: [String] = []
        for count in 20...40 {
            let prompt = try ContextBuilder(counter: counter, window: 400, reserved: 84)
                .prompt(for: withCurrentAction(adventure(turns: count)))
            let storyText = prompt.sections.first { $0.kind == .story }!.text
            starts.append(String(storyText.prefix(while: { $0 != "\n" })))
        }
        var changes = 0
        for (a, b) in zip(starts, starts.dropFirst()) where a != b { changes += 1 }
        #expect(changes > 0)
        #expect(changes <= starts.count / 3)  // a one-turn-at-a-time window would change every turn
    }

    @Test func memoryThatNearlyFillsTheWindowStillFits() throws {
        let window = 300, reserved = 84
        // Memory sized to leave only a few tokens for the story and action.
        var memory = ""
        while counter.tokenCount(memory + " The old king is dead.\n") < window - reserved - 20 { memory += " The old king is dead." }
        let story = withCurrentAction(adventure(turns: 10, memory: [memory]))
        let prompt = try ContextBuilder(counter: counter, window: window, reserved: reserved).prompt(for: story)
        #expect(prompt.tokens <= window - reserved)
        #expect(prompt.sections.first?.kind == .memory)
        #expect(prompt.sections.last?.kind == .action)
    }

    @Test func memoryTooLargeIsAClearError() {
        let memory = String(repeating: "The old king is dead. ", count: 200)
        let story = withCurrentAction(adventure(turns: 2, memory: [memory]))
        #expect(throws: StoryError.self) {
            try ContextBuilder(counter: counter, window: 300, reserved: 84).prompt(for: story)
        }
        do {
            _ = try ContextBuilder(counter: counter, window: 300, reserved: 84).prompt(for: story)
        } catch let error as StoryError {
            guard case .memoryTooLarge = error else { Issue.record("unexpected \(error)"); return }
            #expect(error.description.contains("memory"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func worldInfoTriggersOnWholeWordsIgnoringCase() {
        let entries = [
            WorldInfoEntry(keys: ["rat"], text: "RAT"),
            WorldInfoEntry(keys: ["Iron Gate"], text: "GATE"),
            WorldInfoEntry(keys: ["queen"], text: "QUEEN", secondaryKeys: ["crown"]),
            WorldInfoEntry(keys: ["never"], text: "ALWAYS", alwaysOn: true),
        ]
        func triggered(_ text: String) -> [String] { WorldInfoMatcher.triggered(entries, in: text).map(\.text) }
        #expect(triggered("A pirate sings of pirates.") == ["ALWAYS"])          // "rat" inside words
        #expect(triggered("A Rat scurries.") == ["RAT", "ALWAYS"])
        #expect(triggered("the iron gate creaks") == ["GATE", "ALWAYS"])
        #expect(triggered("The queen waves.") == ["ALWAYS"])                     // secondary key missing
        #expect(triggered("The queen adjusts her crown.") == ["QUEEN", "ALWAYS"])
    }

    /// Anti-keys keep an entry out, a disabled entry never comes in, and the note is written
    /// through the adventure's template (KoboldAI's anotetemplate).
    @Test func antiKeysDisabledEntriesAndTheNoteTemplate() throws {
        let entries = [WorldInfoEntry(keys: ["queen"], text: "QUEEN", antiKeys: ["dream"]),
                       WorldInfoEntry(keys: ["crown"], text: "CROWN", disabled: true),
                       WorldInfoEntry(keys: [], text: "ALWAYS", alwaysOn: true, disabled: true)]
        #expect(WorldInfoMatcher.triggered(entries, in: "The queen wears a crown.").map(\.text) == ["QUEEN"])
        #expect(WorldInfoMatcher.triggered(entries, in: "In a dream the queen wears a crown.").isEmpty)
        var story = adventure(turns: 2, note: "Grim.")
        story.noteTemplate = "<|> (style)"
        let prompt = try ContextBuilder(counter: counter, window: 1024, reserved: 84).prompt(for: story)
        #expect(prompt.text.contains("Grim. (style)\n"))
        #expect(!prompt.text.contains("[Author's note"))
    }

    @Test func worldInfoFromTheCurrentActionButNotFromOldTurns() throws {
        var story = adventure(turns: 10)
        story.tree.update(story.turns[0].id) { $0.reply?.text = "A wyvern circles far above." }
        story.worldInfo = [WorldInfoEntry(keys: ["wyvern"], text: "Wyverns fear fire."),
                           WorldInfoEntry(keys: ["sword"], text: "Your sword is named Dusk.")]
        let prompt = try ContextBuilder(counter: counter, window: 1024, reserved: 84)
            .prompt(for: withCurrentAction(story, "draw my sword"))
        #expect(prompt.text.contains("Your sword is named Dusk."))
        #expect(!prompt.text.contains("Wyverns fear fire."))  // only the last few turns are scanned
    }

    @Test func continueHasNoActionSection() throws {
        var teller = StoryTeller(adventure: adventure(turns: 3))
        try teller.act("", mode: .do)
        #expect(teller.adventure.turns.last?.mode == .continue)
        let prompt = try ContextBuilder(counter: counter, window: 1024, reserved: 84).prompt(for: teller.adventure)
        #expect(!prompt.sections.contains { $0.kind == .action })
        #expect(prompt.text.hasSuffix("corner number 3.\n"))
    }
}
