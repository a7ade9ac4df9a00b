import Story
import Testing
@testable import TerminalUI

@Suite struct ReducerTests {
    @Test func typingAnActionSavesThenGenerates() {
        var state = playingState()
        type("open the gate", into: &state)
        #expect(state.editor.string == "open the gate")
        let effects = pressEnter(&state)
        #expect(effects == [.save, .generate(keepPartial: false)])
        #expect(state.adventure?.turns.last?.action == "> You open the gate.")
        #expect(state.isGenerating)
        #expect(state.editor.isEmpty)
    }

    /// Each finished word of the action asks the runtime to read the prompt it makes, once;
    /// speech and narration prefixes give their modes; commands, a line being backspaced
    /// within a word, and a reply being written ask nothing.
    @Test func finishedWordsOfTheActionAreReadAheadAsTheyAreTyped() {
        var state = playingState()
        #expect(type("open", into: &state) == [])
        #expect(type(" the", into: &state) == [.readTypedAction("open", mode: .do)])
        #expect(type(" iron ", into: &state) == [.readTypedAction("open the", mode: .do), .readTypedAction("open the iron", mode: .do)])
        #expect(type("ga", into: &state) == [])
        #expect(reduce(&state, .key(.backspace)) == [])
        #expect(type("te", into: &state) == [])
        #expect(pressEnter(&state) == [.save, .generate(keepPartial: false)])
        _ = reduce(&state, .key(.escape))  // stop the reply
        #expect(type("wait here", into: &state) == [])  // a reply is being written

        var speech = playingState()
        #expect(type("\"Who goes there?\"", into: &speech) == [.readTypedAction("\"Who", mode: .say), .readTypedAction("\"Who goes", mode: .say)])
        var story = playingState()
        #expect(type("!The bell rings", into: &story) == [.readTypedAction("The", mode: .story), .readTypedAction("The bell", mode: .story)])
        var command = playingState()
        #expect(type("/remember the ", into: &command) == [])
        var said = playingState()
        _ = reduce(&said, .key(.tab))
        #expect(type("hello there", into: &said) == [.readTypedAction("hello", mode: .say)])
    }

    @Test func streamingThenFinishing() {
        var state = playingState()
        type("wait", into: &state)
        _ = pressEnter(&state)
        _ = reduce(&state, .streamed("The rain "))
        _ = reduce(&state, .streamed("\u{1B}[31mstops."))
        #expect(state.generation?.streamed == "The rain stops.")
        var teller = state.teller!
        var random = SystemRandomNumberGenerator()
        _ = random.next()
        teller = StoryTeller(adventure: {
            var adventure = teller.adventure
            adventure.tree.update(adventure.turns.last!.id) { $0.reply = Reply(text: "The rain stops.", seed: 9, settings: GenerationSettings()) }
            return adventure
        }())
        let outcome = ReplyOutcome(reply: teller.adventure.turns.last!.reply!, attempts: 1, repetitive: false,
                                   cancelled: false, tokensPerSecond: 31.5, ending: nil)
        let effects = reduce(&state, .replyFinished(teller, outcome))
        #expect(effects == [.save, .measureContext])
        #expect(!state.isGenerating)
        #expect(state.tokensPerSecond == 31.5)
    }

    @Test func escapeAndCtrlCStopAGenerationOnce() {
        var state = playingState()
        type("wait", into: &state)
        _ = pressEnter(&state)
        #expect(reduce(&state, .key(.escape)) == [.stopGeneration])
        #expect(reduce(&state, .interrupt) == [])  // already stopping
        #expect(state.generation?.stopping == true)
        // While writing, Enter does not submit another action.
        type("more", into: &state)
        #expect(pressEnter(&state) == [])
    }

    @Test func ctrlCWhenIdleSavesAndQuits() {
        var state = playingState()
        #expect(reduce(&state, .interrupt) == [.save, .quit])
        #expect(state.quitting)
    }

    @Test func lineEditingKeys() {
        var state = playingState()
        type("open the big door", into: &state)
        _ = reduce(&state, .key(.control("w")))
        #expect(state.editor.string == "open the big ")
        _ = reduce(&state, .key(.control("a")))
        type("I ", into: &state)
        #expect(state.editor.string == "I open the big ")
        _ = reduce(&state, .key(.control("k")))
        #expect(state.editor.string == "I ")
        _ = reduce(&state, .key(.control("e")))
        type("run", into: &state)
        _ = reduce(&state, .key(.left))
        _ = reduce(&state, .key(.backspace))
        #expect(state.editor.string == "I rn")
        _ = reduce(&state, .key(.control("u")))
        #expect(state.editor.string == "n")
        _ = reduce(&state, .key(.home))
        _ = reduce(&state, .key(.delete))
        #expect(state.editor.isEmpty)
    }

    @Test func historyRecallsEarlierLines() {
        var state = playingState()
        type("/note Grim.", into: &state)
        _ = pressEnter(&state)
        type("/remember A.", into: &state)
        _ = pressEnter(&state)
        type("draft", into: &state)
        _ = reduce(&state, .key(.up))
        #expect(state.editor.string == "/remember A.")
        _ = reduce(&state, .key(.up))
        #expect(state.editor.string == "/note Grim.")
        _ = reduce(&state, .key(.down))
        _ = reduce(&state, .key(.down))
        #expect(state.editor.string == "draft")
    }

    @Test func tabCyclesModes() {
        var state = playingState()
        #expect(state.mode == .do)
        _ = reduce(&state, .key(.tab))
        #expect(state.mode == .say)
        _ = reduce(&state, .key(.tab))
        #expect(state.mode == .story)
        _ = reduce(&state, .key(.tab))
        #expect(state.mode == .do)
        type("hello", into: &state)
        _ = reduce(&state, .key(.tab))
        _ = pressEnter(&state)
        #expect(state.adventure?.turns.last?.action == "> You say \"Hello.\"")
    }

    @Test func pastedLinesBecomeOneAction() {
        var state = playingState()
        _ = reduce(&state, .paste("look at\nthe sky"))
        #expect(state.editor.string == "look at the sky")
    }

    @Test func slashCommands() {
        var state = playingState()
        func run(_ line: String) -> [Effect] {
            type(line, into: &state)
            return pressEnter(&state)
        }
        #expect(run("/undo") == [.save, .measureContext])
        #expect(state.adventure?.turns.count == 1)
        #expect(run("/redo") == [.save, .measureContext])
        #expect(state.adventure?.turns.count == 2)
        #expect(run("/retry") == [.generate(keepPartial: false)])
        _ = reduce(&state, .generationFailed("boom"))
        #expect(state.notice?.text == "boom")
        #expect(run("/remember Your name is Ash.") == [.save, .measureContext])
        #expect(state.adventure?.memory.last == "Your name is Ash.")
        #expect(run("/forget 1") == [.save, .measureContext])
        #expect(state.adventure?.memory == ["Your name is Ash."])
        #expect(run("/world dragon, wyrm: Dragons hoard gold.") == [.save, .measureContext])
        #expect(state.adventure?.worldInfo.first?.keys == ["dragon", "wyrm"])
        #expect(run("/note Keep it grim.") == [.save, .measureContext])
        #expect(state.adventure?.authorsNote == "Keep it grim.")
        #expect(run("/export html /tmp/x.html") == [.export(format: "html", path: "/tmp/x.html", allBranches: false)])
        #expect(run("/export md --all-branches") == [.export(format: "md", path: nil, allBranches: true)])
        #expect(run("/context") == [.measureContext])
        #expect(state.overlay == .context)
        _ = reduce(&state, .key(.escape))
        #expect(run("/frobnicate").isEmpty)
        #expect(state.notice?.isError == true)
        #expect(run("/quit") == [.save, .quit])
    }

    /// Plain mode has no overlay: it edits on one line, through the prompt.
    @Test func editingTheLastReplyThroughThePromptInPlainMode() {
        var state = playingState()
        state.plainMode = true
        type("/edit", into: &state)
        _ = pressEnter(&state)
        #expect(state.purpose == .editReply(turn: 2))
        #expect(state.editor.string.hasPrefix("A cat hisses."))
        _ = reduce(&state, .key(.control("u")))
        _ = reduce(&state, .key(.control("k")))
        type("Nothing is there.", into: &state)
        #expect(pressEnter(&state) == [.save, .measureContext])
        #expect(state.adventure?.turns[1].replyText == "Nothing is there.")
        #expect(state.purpose == .action)
    }

    @Test func startMenuToANewAdventure() {
        var state = AppState(width: 80, height: 24, scenarios: sampleScenarios(), modelName: "gpt2")
        _ = reduce(&state, .savesListed([]))
        #expect(menuRows(state) == ["New adventure", "Settings", "Help", "Quit"])
        #expect(pressEnter(&state) == [.listSaves])  // cards kept since the start are listed too
        #expect(state.screen == .scenarios)
        _ = pressEnter(&state)
        #expect(state.screen == .characters(scenario: 0))
        _ = reduce(&state, .key(.down))
        guard case .createAdventure(let adventure)? = pressEnter(&state).first else {
            Issue.record("no adventure created")
            return
        }
        #expect(adventure.opening == "You are a wizard.")
        _ = reduce(&state, .adventureOpened(id: 7, adventure))
        #expect(state.screen == .play)
        #expect(state.adventureID == 7)
    }

    @Test func customStartAndLoadList() {
        var state = AppState(width: 80, height: 24, scenarios: sampleScenarios(), modelName: "gpt2")
        let saved = SavedAdventure(id: 3, title: "Old", scenario: "mystery", turns: 4, lastPlayed: "1 Nov 2026 10:00")
        _ = reduce(&state, .savesListed([saved]))
        #expect(menuRows(state).first == "Continue: Old")
        #expect(reduce(&state, .key(.character("c"))) == [.openAdventure(3)])
        _ = reduce(&state, .key(.character("l")))
        #expect(state.screen == .load)
        _ = reduce(&state, .key(.character("d")))
        #expect(state.overlay == .confirmDelete(id: 3, title: "Old"))
        #expect(reduce(&state, .key(.character("y"))) == [.deleteAdventure(3), .listSaves])
        _ = reduce(&state, .key(.escape))
        _ = reduce(&state, .key(.character("n")))
        _ = reduce(&state, .key(.up))
        _ = reduce(&state, .key(.up))  // "Custom start" row
        _ = pressEnter(&state)
        #expect(state.overlay == .editor)  // several paragraphs: the multi-line editor
        type("You wake on a beach.", into: &state)
        guard case .createAdventure(let adventure)? = reduce(&state, .key(.control("s"))).first else {
            Issue.record("no adventure created")
            return
        }
        #expect(adventure.opening == "You wake on a beach.")
    }

    /// One rule for an action that got no reply: it is taken back into the input line, the
    /// mode unchanged (in Do, with the prefix that sends it as it was), whether the reply was
    /// stopped, failed, or the game ended while writing it.
    @Test func anUnansweredActionIsTakenBackOnEveryPath() {
        var state = AppState(width: 80, height: 24, modelName: "gpt2")
        var adventure = sampleAdventure()
        adventure.append(.say, "who goes there", "> You say \"Who goes there?\"")
        #expect(reduce(&state, .adventureOpened(id: 1, adventure)) == [.save, .measureContext])
        #expect(!state.isGenerating)
        #expect(state.adventure?.turns.count == 2)
        #expect(state.editor.string == "\"who goes there" && state.mode == .do)

        // Stopped while writing: Esc, then the worker's cancelled outcome.
        #expect(pressEnter(&state) == [.save, .generate(keepPartial: false)])
        #expect(state.adventure?.turns.last?.mode == .say)
        _ = reduce(&state, .key(.escape))
        let cancelled = ReplyOutcome(reply: nil, attempts: 1, repetitive: false, cancelled: true, tokensPerSecond: 0, ending: nil)
        #expect(reduce(&state, .replyFinished(state.teller!, cancelled)) == [.save, .measureContext])
        #expect(state.adventure?.turns.count == 2)
        #expect(state.editor.string == "\"who goes there" && state.mode == .do)
        #expect(state.notice?.text.hasPrefix("Stopped. Your action was taken back") == true)
        // The player can simply type again: nothing is refused.
        state.editor.set("run")
        #expect(pressEnter(&state) == [.save, .generate(keepPartial: false)])

        // A failed generation.
        #expect(reduce(&state, .generationFailed("the context window is full")) == [.save, .measureContext])
        #expect(state.adventure?.turns.count == 2 && state.editor.string == "run")
        #expect(state.notice?.text == "the context window is full; your action was taken back")

        // An empty Enter had no action: a failure never claims to have taken one back.
        state.editor.set("")
        #expect(pressEnter(&state) == [.save, .generate(keepPartial: false)])
        _ = reduce(&state, .generationFailed("the model wrote nothing usable in 4 tries (it was empty)"))
        #expect(state.notice?.text == "the model wrote nothing usable in 4 tries (it was empty); the story did not go on")
    }

    /// The loop guard says what it did: how many replies it turned down, why, and that it
    /// wrote again; when every try loops, what it kept and what would help.
    @Test func theLoopGuardSaysWhatItDid() {
        var state = playingState()
        type("open the door", into: &state)
        _ = pressEnter(&state)
        var teller = state.teller!
        var random = SystemRandomNumberGenerator()
        let replies = ["I open the door and we go in.", "You open the door. A cold wind greets you."]
        let generator = ScriptedGenerator(replies: replies)
        let outcome = try! teller.writeReply(with: generator, random: &random)
        _ = reduce(&state, .replyFinished(teller, outcome))
        #expect(state.notice?.text == "The loop guard turned down 1 reply (it slipped into first person) and wrote again with stronger anti-repetition.")
    }

    @Test func noModelMeansNoGeneration() {
        var state = AppState(width: 80, height: 24, modelProblem: "No GPT-2 model found.")
        _ = reduce(&state, .adventureOpened(id: 1, sampleAdventure()))
        type("look", into: &state)
        #expect(pressEnter(&state) == [])
        #expect(state.notice?.text == "No GPT-2 model found.")
    }

    @Test func settingsOverlayAdjustsValues() {
        var state = playingState()
        type("/settings", into: &state)
        _ = pressEnter(&state)
        #expect(state.overlay == .settings)
        _ = reduce(&state, .key(.down))
        #expect(reduce(&state, .key(.right)) == [.save, .measureContext])
        #expect(state.adventure?.settings.temperature == 0.85)
        _ = reduce(&state, .key(.down))
        _ = reduce(&state, .key(.left))
        #expect(state.adventure?.settings.topK == 35)
        // The preset row cycles the presets: settings of no preset go to the first, classic,
        // whose next is aidungeon2.
        _ = reduce(&state, .key(.up))
        _ = reduce(&state, .key(.up))
        _ = reduce(&state, .key(.left))
        #expect(state.adventure?.settings.temperature == 0.8 && state.adventure?.settings.topK == 40)
        _ = reduce(&state, .key(.right))
        #expect(state.adventure?.settings.temperature == 0.4)
        for _ in 0..<(SettingField.all.count + 3) { _ = reduce(&state, .key(.down)) }
        #expect(reduce(&state, .key(.right)) == [.savePreferences])
        #expect(state.preferences.theme == .highContrast)
        #expect(reduce(&state, .key(.escape)) == [.savePreferences])
    }

    @Test func scrollingStaysInRange() {
        var state = playingState(width: 40, height: 10)
        for _ in 0..<5 { _ = reduce(&state, .key(.pageUp)) }
        let top = state.scroll
        #expect(top > 0)
        _ = reduce(&state, .key(.pageUp))
        #expect(state.scroll == top)
        _ = reduce(&state, .key(.wheelDown))
        #expect(state.scroll == top - 3)
        _ = reduce(&state, .resize(width: 200, height: 60))
        #expect(state.scroll == 0)  // everything fits now
    }
}

@Suite struct FirstRunTests {
    @Test func theStartScreenOffersToDownloadAModelThenPlays() throws {
        var state = AppState(width: 80, height: 24, scenarios: sampleScenarios(), modelProblem: "No GPT-2 model found.")
        state.downloadOffer = "gpt2 (548 MB)"
        _ = reduce(&state, .savesListed([]))
        #expect(menuRows(state).first == "Download gpt2 (548 MB) and play")
        #expect(pressEnter(&state) == [.downloadModel])
        #expect(!menuRows(state).contains { $0.hasPrefix("Download") })  // not offered twice
        _ = reduce(&state, .downloadProgress(DownloadStatus(file: "model.safetensors", received: 120 << 20,
                                                            total: 548 << 20, bytesPerSecond: Double(11 << 20))))
        let screen = render(state).lines.joined(separator: "\n")
        #expect(screen.contains("Downloading model.safetensors 120/548 MB [####................] 11.0 MB/s"))
        _ = reduce(&state, .modelReady(name: "gpt2", window: 1024))
        #expect(state.modelName == "gpt2")
        #expect(state.modelProblem == nil)
        #expect(menuRows(state).first == "New adventure")
    }

    @Test func aFailedDownloadIsReportedAndOfferedAgain() {
        var state = AppState(width: 80, height: 24, modelProblem: "No GPT-2 model found.")
        state.downloadOffer = "gpt2 (548 MB)"
        _ = reduce(&state, .key(.character("d")))
        #expect(state.download != nil)
        _ = reduce(&state, .downloadFailed("downloading config.json failed: offline"))
        #expect(state.notice?.isError == true)
        #expect(menuRows(state).first == "Download gpt2 (548 MB) and play")
    }
}

@Suite struct SaveFailureTests {
    @Test func aFailedSaveHoldsTheStoryUntilASaveSucceeds() {
        var state = playingState()
        _ = reduce(&state, .saveFailed("the disk holding /saves/dungeon.sqlite is full"))
        #expect(state.notice?.isError == true && state.notice!.text.contains("is full"))
        #expect(framed(render(state)).contains("NOT SAVED"))

        // Neither a new action nor a retry runs ahead of the save file.
        _ = type("open the gate", into: &state)
        #expect(pressEnter(&state) == [])
        #expect(state.adventure?.turns.count == 2)
        #expect(state.notice?.text.contains("not saved") == true)
        _ = type("/retry", into: &state)
        #expect(pressEnter(&state) == [])

        _ = type("/save", into: &state)
        #expect(pressEnter(&state) == [.save])
        _ = reduce(&state, .saved)
        #expect(state.unsavedReason == nil)
        _ = type("open the gate", into: &state)
        #expect(pressEnter(&state) == [.save, .generate(keepPartial: false)])
    }
}

@Suite struct ActionCheckTests {
    @Test func anActionThatCannotFitIsGivenBackNotTaken() {
        var state = playingState()
        _ = type("a very long action", into: &state)
        #expect(reduce(&state, .key(.enter)) == [.checkAction("a very long action", mode: .do)])
        let effects = reduce(&state, .actionChecked("a very long action", mode: .do, refusal: "that action is 20484 tokens; at most 936 fit"))
        #expect(effects == [])
        #expect(state.adventure?.turns.count == 2)  // no turn was made
        #expect(state.editor.string == "a very long action")  // back in the input line
        #expect(state.notice == Notice(text: "that action is 20484 tokens; at most 936 fit", isError: true))
    }
}

@Suite struct HostileTextTests {
    @Test func aSequenceSplitAcrossStreamedPiecesIsDroppedWhole() {
        var state = playingState()
        _ = type("wait", into: &state)
        _ = pressEnter(&state)
        for piece in ["The rain ", "\u{1B}", "[2", "J", "stops", "\u{1B}]0;", "owned", "\u{07}."] {
            _ = reduce(&state, .streamed(piece))
        }
        #expect(state.generation?.streamed == "The rain stops.")
    }

    @Test func theScreenNeverHoldsControlCharacters() {
        var state = playingState()
        var adventure = state.adventure!
        adventure.title = "Evil\u{1B}]0;owned\u{07} title"
        adventure.setReply("Clear\u{1B}[2J screen \u{9B}31m and \u{1B}]52;c;aGk=\u{07}clipboard.", at: 0)
        _ = reduce(&state, .adventureOpened(id: 1, adventure))
        _ = reduce(&state, .notice("unknown command /foo\u{1B}]0;t\u{07}", isError: true))
        let screen = render(state)
        let text = screen.lines.joined(separator: "\n")
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || (0x7F...0x9F).contains($0.value) })
        #expect(!text.contains("owned") && !text.contains("[2J") && !text.contains("31m") && !text.contains("aGk="))
        #expect(text.contains("Clear screen  and clipboard."))
    }
}

@Suite struct StatusAndNoticeTests {
    @Test func aNoticeHasARowOfItsOwn() {
        var state = playingState(width: 40, height: 12)  // the story fills the pane
        let before = render(state).lines
        _ = reduce(&state, .notice("Saved.", isError: false))
        let after = render(state).lines
        let storyRows = state.height - 3
        // The story's last line is still on screen, just above the notice.
        #expect(!before[state.height - 3].isEmpty)
        #expect(after[storyRows - 1] == before[state.height - 3])
        #expect(after[storyRows] == " Saved.")
    }

    @Test func theModeIsNeverCutAndTheRateBelongsToTheAdventure() {
        var state = playingState(width: 40, height: 12)
        var adventure = sampleAdventure()
        adventure.title = "A very long title that cannot possibly fit in forty columns"
        _ = reduce(&state, .adventureOpened(id: 2, adventure))
        state.tokensPerSecond = 12.5
        state.contextUsed = 879
        let status = render(state).lines[11]
        #expect(status.hasPrefix(" Do │ gpt2 │ story 879/1024"), "\(status)")
        _ = reduce(&state, .adventureOpened(id: 3, sampleAdventure()))
        #expect(state.tokensPerSecond == nil)
        _ = pressEnter(&state)  // an empty line: continue
        let stopped = ReplyOutcome(reply: Reply(text: "A.", seed: 1, settings: GenerationSettings()), attempts: 1, repetitive: false,
                                   cancelled: true, tokensPerSecond: 7912.8, ending: nil)
        _ = reduce(&state, .replyFinished(state.teller!, stopped))
        #expect(state.tokensPerSecond == nil)
    }
}
