import Story
import Testing
@testable import TerminalUI

/// What a new player tripped on (the new-player issue's small oddities), each through the
/// reducer and what is drawn.
struct NewPlayerTests {
    private func text(_ content: OverlayContent) -> String { content.lines.map(\.text).joined(separator: "\n") }

    @Test func theLoadListSaysOneTurn() {
        var state = AppState(width: 100, height: 24, scenarios: sampleScenarios(), modelName: "gpt2")
        state.screen = .load
        state.saves = [SavedAdventure(id: 1, title: "Short", scenario: "fantasy", turns: 1, lastPlayed: "today"),
                       SavedAdventure(id: 2, title: "Long", scenario: "fantasy", turns: 2, lastPlayed: "today")]
        let screen = framed(render(state))
        #expect(screen.contains("Short · fantasy · 1 turn · today"))
        #expect(screen.contains("Long · fantasy · 2 turns · today"))
    }

    @Test func plainModeSaysWhichCommandWritesWhatIsMissing() {
        var state = playingState()
        state.plainMode = true
        #expect(text(overlayContent(state, .note, width: 78)).contains("/note TEXT writes one"))
        #expect(!text(overlayContent(state, .note, width: 78)).contains("Press e"))
        state.plainMode = false
        #expect(text(overlayContent(state, .note, width: 78)).contains("Press e"))
    }

    @Test func aTitleTypedToRenameIsNotAnActionUpBringsBack() {
        var state = playingState()
        state.editor.set("look around")
        _ = state.editor.submit()
        startPrompt(&state, .rename(id: 1))
        state.editor.set("The Glass Key, Second Edition")
        _ = handlePromptKey(&state, .enter)
        _ = state.editor.handle(.up)
        #expect(state.editor.string == "look around")
    }

    @Test func theWorldInfoListShowsEveryKeyMatchingUses() {
        var state = playingState()
        var adventure = state.teller!.adventure
        adventure.worldInfo = [WorldInfoEntry(keys: ["queen"], text: "She rules.", secondaryKeys: ["ship"], alwaysOn: false,
                                              antiKeys: ["dream"])]
        state.teller = StoryTeller(adventure: adventure)
        #expect(text(overlayContent(state, .worldInfo, width: 78)).contains("[queen + ship not dream] She rules."))
    }

    /// A prefix applies to its own line: narration sent with `!` whose reply fails comes back
    /// as `!…` in Do, and the next line is an action again, not narration.
    @Test func aPrefixedLineThatGetsNoReplyLeavesTheModeAsItWas() {
        var state = playingState()
        #expect(state.mode == .do)
        type("!The riders reach the station", into: &state)
        #expect(pressEnter(&state) == [.save, .generate(keepPartial: false)])
        #expect(state.adventure?.turns.last?.mode == .story)
        _ = reduce(&state, .generationFailed("the model wrote nothing usable"))
        #expect(state.mode == .do)
        #expect(state.editor.string == "!The riders reach the station")
        #expect(framed(render(state)).contains("Do >"))
    }

    /// A prefix with nothing after it is refused with a word, and the line stays to finish.
    @Test func aLonePrefixIsRefusedWithAMessage() {
        for (line, message) in [("!", "after the !"), ("\"", "after the quotation mark"), ("\"\"", "after the quotation mark"),
                                ("?!", "write what you do")] {
            var state = playingState()
            let turns = state.adventure?.turns.count
            type(line, into: &state)
            #expect(reduce(&state, .key(.enter)) == [], "\(line)")
            #expect(state.adventure?.turns.count == turns)
            #expect(state.notice?.text.contains(message) == true, "\(line): \(state.notice?.text ?? "no notice")")
            #expect(state.editor.string == line)
        }
    }

    @Test func escClearsTheLineIntoTheHistory() {
        var state = playingState()
        type("climb the north tower", into: &state)
        _ = reduce(&state, .key(.escape))
        #expect(state.editor.string.isEmpty)
        _ = reduce(&state, .key(.up))
        #expect(state.editor.string == "climb the north tower")
    }

    @Test func theMultiLineEditorHasTheOneLineEditorsCutKeys() {
        var editor = TextEditor(target: .reply(turn: 1), text: "first line\nsecond line here")
        _ = editor.handle(.control("w"))
        #expect(editor.string == "first line\nsecond line ")
        _ = editor.handle(.control("u"))
        #expect(editor.string == "first line\n")
        _ = editor.handle(.up)
        _ = editor.handle(.control("a"))
        _ = editor.handle(.control("k"))
        #expect(editor.string == "\n")
        var line = LineEditor()
        line.set("first line")
        for key in [Key.control("w"), .control("u"), .control("k"), .control("b"), .control("f")] {
            var multi = TextEditor(target: .reply(turn: 1), text: "first line")
            var single = line
            _ = multi.handle(key)
            _ = single.handle(key)
            #expect(multi.string == single.string, "\(key)")
        }
    }

    @Test func aLetterOnTheTooSmallScreenDoesNotQuit() {
        var state = playingState(width: 20, height: 5)
        #expect(state.isTooSmall)
        #expect(reduce(&state, .key(.character("q"))) == [])
        #expect(reduce(&state, .key(.control("c"))).contains(.quit))
    }

    /// At 40 columns the status bar leaves out what does not fit, whole: never "story 83"
    /// for 835/1024.
    @Test func aNarrowStatusBarLeavesPartsOutWhole() {
        var state = playingState(width: 40, height: 12)
        state.contextUsed = 835
        state.tokensPerSecond = 41.3
        let status = framed(render(state)).split(separator: "\n").dropLast().last.map(String.init) ?? ""
        #expect(!status.contains("story 83 ") && !status.contains("story 83│"), "\(status)")
        if status.contains("story") { #expect(status.contains("story 835/1024"), "\(status)") }
        for width in 32...80 {
            state.width = width
            let line = framed(render(state)).split(separator: "\n").dropLast().last.map(String.init) ?? ""
            if line.contains("story ") { #expect(line.contains("story 835/1024"), "\(width): \(line)") }
            if line.contains("tok/s") { #expect(line.contains("41.3 tok/s"), "\(width): \(line)") }
        }
    }

    /// Drawing the input line costs what the window shows, not what the line holds: the
    /// work (characters measured) is counted for a short line and a 9,000-character paste.
    @Test func aLongLineDrawsWithTheWorkOfAShortOne() {
        func work(_ length: Int, cursorAt cursor: Int? = nil) -> Int {
            var calls = 0
            let characters = Array(String(repeating: "The rain falls on the roofs of Saltmarch. ", count: length / 42 + 1).prefix(length))
            let range = visibleWindow(characters, cursor: cursor ?? characters.count, room: 70) { _ in calls += 1; return 1 }
            #expect(range.count <= 70 && range.contains(max(0, (cursor ?? characters.count) - 1)))
            return calls
        }
        #expect(work(9_000) <= 2 * 72)
        #expect(work(9_000, cursorAt: 4_500) <= 2 * 72)
        #expect(work(9_000) == work(300))
        // The line shown ends at the cursor when it is at the end, and the cursor is visible.
        var state = playingState()
        state.editor.set(String(repeating: "a", count: 8_990) + "THE END")
        #expect(framed(render(state)).contains("aaaaTHE END"))
    }

    /// A pasted custom opening keeps its paragraphs: full screen opens the multi-line editor.
    @Test func aPastedOpeningKeepsItsParagraphs() {
        var state = AppState(width: 80, height: 24, scenarios: sampleScenarios(), modelName: "gpt2")
        state.screen = .scenarios
        state.selection = state.scenarios.count  // "Your own opening"
        _ = reduce(&state, .key(.enter))
        #expect(state.overlay == .editor)
        let opening = "The storm broke at dusk.\n\nYou are the lighthouse keeper.\n\nThe lamp has gone out."
        _ = reduce(&state, .paste(opening))
        #expect(reduce(&state, .key(.control("s"))) == [.createAdventure(Scenario.custom(opening: opening))])
        #expect(state.overlay == nil)
    }
}
