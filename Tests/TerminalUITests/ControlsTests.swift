import Story
import Testing
@testable import TerminalUI

/// The moment-to-moment controls: each test fails on the behaviour the issue reported.
@Suite struct ControlsTests {
    func command(_ text: String, _ state: inout AppState) -> [Effect] {
        _ = type(text, into: &state)
        return pressEnter(&state)
    }

    @Test func aCommandTypedIntoAnOpenListGoesToTheInputLine() {
        var state = playingState()
        _ = command("/memory", &state)
        #expect(state.overlay == .memory)
        // Typing /memory again with the list open: no entry is edited, nothing is appended.
        _ = type("/memory", into: &state)
        #expect(state.overlay == nil)
        #expect(state.purpose == .action && state.editor.string == "/memory")
        #expect(state.adventure?.memory == ["You owe the Gull Queen 300 gold."])
    }

    @Test func listKeysActOnlyOnAShownSelectionAndDeletingAsks() {
        var state = playingState()
        _ = command("/memory", &state)
        #expect(reduce(&state, .key(.character("e"))) == [] && state.overlay == .memory)  // nothing selected yet
        #expect(reduce(&state, .key(.character("d"))) == [] && state.overlay == .memory)
        _ = reduce(&state, .key(.down))
        #expect(render(state).lines.contains { $0.contains("> 1. You owe") || $0.contains("1. You owe") })
        _ = reduce(&state, .key(.character("d")))
        guard case .confirmRemove(.memory, 0, _)? = state.overlay else {
            Issue.record("d did not ask: \(String(describing: state.overlay))")
            return
        }
        #expect(reduce(&state, .key(.character("n"))) == [])
        #expect(state.overlay == .memory && state.adventure?.memory.count == 1)
        _ = reduce(&state, .key(.character("d")))
        #expect(reduce(&state, .key(.character("y"))) == [.save, .measureContext])
        #expect(state.adventure?.memory.isEmpty == true)
    }

    @Test func everyCommandAnswers() {
        var state = playingState()
        _ = command("/forget abc", &state)
        #expect(state.overlay == nil && state.notice?.isError == true && state.notice!.text.hasPrefix("usage: /forget N"))
        _ = command("/world dragon: Dragons hoard gold.", &state)
        #expect(state.notice?.text == "Added world info entry 1.")
        _ = command("/note Keep it tense.", &state)
        #expect(state.notice?.text == "Author's note set.")
        _ = command("/continue", &state)
        #expect(state.notice?.text.hasPrefix("The story has not ended") == true)
        _ = command("/undo 2", &state)
        #expect(state.adventure?.turns.isEmpty == true && state.adventure?.tree.redoCount == 2)
        #expect(state.notice?.text == "Took back 2 turns; /redo brings back.")
        _ = command("/redo 3", &state)
        #expect(state.notice?.text == "there are only 2 turns to redo")
        _ = command("/redo x", &state)
        #expect(state.notice?.text == "usage: /redo [N], N a number of turns")
        _ = command("/redo 2", &state)
        #expect(state.adventure?.turns.count == 2)
    }

    @Test func historyArrowsSwitchTheSelectedTurnsBranch() {
        var state = playingState()
        var adventure = sampleAdventure()
        // Turn 1 was retried once, on a branch of its own; the story went on from the first reply.
        let first = adventure.turns[0]
        adventure.tree.add(after: StoryTree.opening, mode: first.mode, input: first.input, action: first.action,
                           reply: Reply(text: "You fall into the alley.", seed: 5, settings: GenerationSettings()))
        adventure.tree.select(adventure.tree.lastVisitedLeaf(from: first.id))
        _ = reduce(&state, .adventureOpened(id: 1, adventure))
        _ = command("/history", &state)
        _ = reduce(&state, .key(.up))  // to turn 1
        #expect(reduce(&state, .key(.right)) == [.save, .measureContext])
        #expect(state.adventure?.turns.map(\.replyText) == ["You fall into the alley."])
        #expect(state.notice?.text == "Turn 1: version 2 of 2")
        _ = reduce(&state, .key(.left))
        #expect(state.adventure?.turns.count == 2)  // the branch comes back whole
        #expect(state.adventure?.turns[0].id == first.id)
        _ = reduce(&state, .key(.down))
        _ = reduce(&state, .key(.right))
        #expect(state.notice?.text == "that turn has only one version; /retry writes another reply")
    }

    @Test func leavingAnAdventureReleasesIt() {
        var state = playingState()
        #expect(command("/menu", &state) == [.save, .closeAdventure, .listSaves])
        #expect(state.screen == .start && state.adventure == nil && state.adventureID == nil)
    }

    @Test func eachMenuKeepsItsCursorUnderAnOverlay() {
        var state = AppState(width: 80, height: 24, scenarios: sampleScenarios(), modelName: "gpt2")
        _ = reduce(&state, .savesListed([]))
        _ = reduce(&state, .key(.down))  // Settings
        _ = reduce(&state, .key(.enter))
        #expect(state.overlay == .settings)
        _ = reduce(&state, .key(.down))
        _ = reduce(&state, .key(.down))
        _ = reduce(&state, .key(.escape))
        #expect(state.overlay == nil && state.selection == 1)
        _ = reduce(&state, .key(.down))  // Help
        _ = reduce(&state, .key(.enter))
        _ = reduce(&state, .key(.escape))
        #expect(state.selection == 2)
    }
}

@Suite struct LoopAdviceTests {
    @Test func theLoopGuardSaysWhichSettingWouldHelp() {
        var state = playingState()
        var adventure = state.adventure!
        adventure.settings.temperature = 0.05
        adventure.settings.repetitionPenalty = 1.0
        _ = reduce(&state, .adventureOpened(id: 1, adventure))
        _ = pressEnter(&state)
        var teller = state.teller!
        let reply = Reply(text: "you are a man of about thirty, and you are a man of about thirty", seed: 1, settings: adventure.settings)
        teller = StoryTeller(adventure: { var a = teller.adventure; a.answer(reply); return a }())
        _ = reduce(&state, .replyFinished(teller, ReplyOutcome(reply: reply, attempts: 4, repetitive: true, cancelled: false,
                                                                tokensPerSecond: 20, ending: nil)))
        #expect(state.notice?.text == "The story keeps repeating itself: the temperature (0.05) is low; try /set temperature 0.8")

        // With a usable temperature, the advice is the anti-repetition that is off or weak.
        for (dry, expected) in [(0.0, "DRY is off; /preset dry turns it on (or /set dry-multiplier 0.8)"),
                                (0.8, "try a stronger penalty, e.g. /set presence 0.6 or /set repetition 1.15")] {
            var settings = adventure.settings
            settings.temperature = 0.9
            settings.dryMultiplier = dry
            #expect(loopAdvice(settings) == "The story keeps repeating itself: " + expected)
        }
    }
}

@Suite struct PromptReadingTests {
    @Test func aLongWaitShowsHowFarThePromptIsRead() {
        var state = playingState()
        _ = pressEnter(&state)
        _ = reduce(&state, .promptProgress(done: 256, total: 900))
        #expect(render(state).lines.contains(" Reading the story… 256 of 900 tokens"))
        _ = reduce(&state, .streamed("The rain stops."))
        #expect(!render(state).lines.contains { $0.contains("Reading the story") })
    }
}

@Suite struct TextEditorTests {
    func editing(_ reply: String) -> AppState {
        var state = playingState()
        var adventure = sampleAdventure()
        adventure.setReply(reply, at: 1)
        _ = reduce(&state, .adventureOpened(id: 1, adventure))
        return state
    }

    @Test func editingAReplyKeepsItsParagraphs() throws {
        var state = editing("The cat hisses.\n\nIt runs off into the dark.")
        _ = type("/edit", into: &state)
        _ = pressEnter(&state)
        #expect(state.overlay == .editor)
        let screen = render(state)
        #expect(screen.lines.contains { $0.contains("│ The cat hisses.") })
        #expect(screen.lines.contains { $0.contains("│ It runs off into the dark.") })
        #expect(screen.lines.contains { $0.contains("Ctrl-S save") })
        // Up twice goes to the first paragraph's line; End, then a new sentence and a break.
        _ = reduce(&state, .key(.up))
        _ = reduce(&state, .key(.up))
        _ = reduce(&state, .key(.end))
        _ = type(" Then silence.", into: &state)
        _ = reduce(&state, .key(.enter))
        _ = type("A bell", into: &state)  // typed letters (even q) go into the text
        _ = reduce(&state, .key(.character("q")))
        #expect(state.overlay == .editor)
        #expect(reduce(&state, .key(.control("s"))) == [.save, .measureContext])
        #expect(state.adventure?.turns[1].replyText == "The cat hisses. Then silence.\nA bellq\n\nIt runs off into the dark.")
        #expect(state.overlay == nil)
    }

    @Test func escapeCancelsAndTheActionMarkerIsNotThePlayers() {
        var state = editing("Meow.")
        _ = type("/editaction 2", into: &state)
        _ = pressEnter(&state)
        #expect(state.textEditor?.string == "You say \"Who is there?\"")  // no "> "
        _ = reduce(&state, .key(.backspace))
        _ = reduce(&state, .key(.escape))
        #expect(state.adventure?.turns[1].action == "> You say \"Who is there?\"")
        _ = type("/editaction 2", into: &state)
        _ = pressEnter(&state)
        _ = reduce(&state, .key(.home))
        for _ in 0..<"You say".count { _ = reduce(&state, .key(.delete)) }
        _ = type("You whisper", into: &state)
        _ = reduce(&state, .key(.control("s")))
        #expect(state.adventure?.turns[1].action == "> You whisper \"Who is there?\"")  // the marker is back
    }

    @Test func rowsWrapAndPlaceTheCursor() {
        var editor = TextEditor(target: .reply(turn: 1), text: "abcdef\ngh")
        #expect(editor.rows(width: 4).rows == ["abcd", "ef", "gh"])
        #expect(editor.rows(width: 4).cursor == (2, 2))
        _ = editor.handle(.up)
        #expect(editor.rows(width: 4).cursor == (0, 2))
        let words = TextEditor(target: .reply(turn: 1), text: "the cat sat\n\nend")
        #expect(words.rows(width: 8).rows == ["the cat ", "sat", "", "end"])
        #expect(words.rows(width: 8).cursor == (3, 3))
    }
}

@Suite struct LongNoticeTests {
    @Test func aLongNoticeIsReadWholeOnTwoRows() {
        var state = playingState(width: 40, height: 12)
        let text = "the disk holding /home/player/.local/share/dungeon/saves is full; free some space"
        _ = reduce(&state, .notice(text, isError: true))
        let lines = render(state).lines
        #expect(lines[8] == " the disk holding" || lines[8].hasPrefix(" the disk"))
        #expect((lines[8] + lines[9]).contains("free some") || lines[9].hasSuffix("…"))
        #expect(storyHeight(state) == 12 - 2 - 2)
    }
}

@Suite struct DefaultSettingsTests {
    /// From the start menu (no adventure open), Settings changes what new adventures start with.
    @Test func theStartMenusSettingsAreTheDefaultsForNewAdventures() {
        var state = AppState(width: 80, height: 24, scenarios: sampleScenarios(), modelName: "gpt2")
        _ = reduce(&state, .savesListed([]))
        _ = reduce(&state, .key(.down))
        _ = reduce(&state, .key(.enter))  // Settings
        #expect(state.overlay == .settings)
        // New adventures start from the default preset.
        #expect(render(state).lines.contains { $0.contains("Preset") && $0.contains(SamplerPreset.defaultName) })
        _ = reduce(&state, .key(.down))
        #expect(render(state).lines.contains { $0.contains("Temperature") && $0.contains("0.9") })
        #expect(reduce(&state, .key(.right)) == [.savePreferences])
        #expect(state.preferences.storyDefaults.temperature == 0.95)
        for _ in 1..<SettingField.all.count { _ = reduce(&state, .key(.down)) }
        _ = reduce(&state, .key(.right))  // reply length, the last sampler row
        #expect(state.preferences.storyDefaults.replyLength == 70)
        #expect(render(state).lines.contains { $0.contains("what new adventures start with") })
    }
}

@Suite struct MenuRowTests {
    @Test func aLongMenuRowIsCutAtAWord() {
        let long = Scenario(id: "burn", title: "After the Burn",
                            description: "Twenty years after the sky caught fire, the survivors scavenge a broken world.",
                            characters: [], worldInfo: [], authorsNote: "")
        var state = AppState(width: 60, height: 20, scenarios: [long], modelName: "gpt2")
        state.screen = .scenarios
        let row = render(state).lines.first { $0.contains("After the Burn") }!
        #expect(row.hasSuffix("…"), "\(row)")
        // What is kept ends where a word of the full row ends.
        let kept = String(row.drop { $0 == " " || $0 == ">" }.dropLast())
        let full = "After the Burn — " + long.description
        #expect(full.hasPrefix(kept) && full[full.index(full.startIndex, offsetBy: kept.count)] == " ", "\(row)")
        #expect(DisplayWidth.of(row) <= 60)
    }
}

@Suite struct HistoryRowTests {
    @Test func aReplysParagraphsAreSpacedInItsHistoryRow() {
        var state = playingState(width: 120, height: 24)
        var adventure = sampleAdventure()
        adventure.setReply("You drop into the alley.\n\nA dog barks.", at: 0)
        _ = reduce(&state, .adventureOpened(id: 1, adventure))
        _ = type("/history", into: &state)
        _ = pressEnter(&state)
        #expect(render(state).lines.contains { $0.contains("You drop into the alley. A dog barks.") })
    }
}
