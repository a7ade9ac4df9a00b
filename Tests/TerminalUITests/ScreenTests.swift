import Story
import Testing
@testable import CursesTerminal
@testable import TerminalUI

@Suite struct ScreenTests {
    static let sizes = [(80, 24), (120, 40), (40, 12), (20, 5)]

    @Test(arguments: sizes)
    func playScreen(width: Int, height: Int) throws {
        try expectScreen(render(playingState(width: width, height: height)), "play-\(width)x\(height)")
    }

    @Test(arguments: sizes)
    func startMenu(width: Int, height: Int) throws {
        var state = AppState(width: width, height: height, scenarios: sampleScenarios(),
                             modelProblem: "No GPT-2 model found. Get one with `dungeon models download gpt2`.")
        _ = reduce(&state, .savesListed([SavedAdventure(id: 1, title: "The Glass Key", scenario: "fantasy", turns: 2, lastPlayed: "22 Nov 2026 10:00")]))
        try expectScreen(render(state), "start-\(width)x\(height)")
    }

    @Test func streamingReply() throws {
        var state = playingState()
        type("listen", into: &state)
        _ = pressEnter(&state)
        _ = reduce(&state, .streamed("Somewhere below, a door"))
        _ = reduce(&state, .streamed(" creaks open and"))
        try expectScreen(render(state), "streaming-80x24")
    }

    @Test func scrolledBack() throws {
        var state = playingState(width: 40, height: 12)
        _ = reduce(&state, .key(.pageUp))
        try expectScreen(render(state), "scrolled-40x12")
    }

    @Test func resizeRedrawsForTheNewSize() throws {
        var state = playingState(width: 80, height: 24)
        type("a long action that will need scrolling in a narrow window", into: &state)
        _ = reduce(&state, .resize(width: 40, height: 12))
        let buffer = render(state)
        #expect(buffer.width == 40 && buffer.height == 12)
        try expectScreen(buffer, "resized-40x12")
        _ = reduce(&state, .resize(width: 20, height: 5))
        try expectScreen(render(state), "resized-20x5")
    }

    @Test func helpOverlay() throws {
        var state = playingState(width: 80, height: 24)
        _ = reduce(&state, .key(.function(1)))
        try expectScreen(render(state), "help-80x24")
    }

    @Test func contextOverlay() throws {
        var state = playingState(width: 120, height: 40)
        type("/context", into: &state)
        _ = pressEnter(&state)
        let counter = CharacterCounter()
        let prompt = try ContextBuilder(counter: counter, window: 1024, reserved: 84).prompt(for: {
            var adventure = state.adventure!
            adventure.append(.continue, "", "")
            return adventure
        }())
        _ = reduce(&state, .contextMeasured(prompt, error: nil))
        try expectScreen(render(state), "context-120x40")
    }

    @Test func wideCharactersNeverSplitAtTheEdge() {
        var buffer = ScreenBuffer(width: 5, height: 1)
        buffer.write("ab日本", x: 0, y: 0)
        #expect(buffer.lines == ["ab日"])
        #expect(buffer[3, 0].isContinuation)
        #expect(buffer[4, 0].character == " ")
    }

    @Test func everyRowFitsItsWidth() {
        for (width, height) in Self.sizes + [(33, 8), (1, 1), (0, 0)] {
            var state = playingState(width: width, height: height)
            _ = reduce(&state, .streamed("日本語 🐉 " + String(repeating: "word ", count: 50)))
            let buffer = render(state)
            for line in buffer.lines { #expect(DisplayWidth.of(line) <= width) }
        }
    }

    @Test func actionsAreDrawnInTheirOwnRole() {
        let buffer = render(playingState())
        let actionRow = buffer.lines.firstIndex { $0.contains("> You climb down.") }!
        #expect(buffer[1, actionRow].role == .action)
        #expect(buffer[1, 0].role == .normal)
        #expect(buffer[0, 23].role == .status)
    }
}

/// One token per character: enough for layout tests that need a ContextPrompt.
struct CharacterCounter: TokenCounter {
    func tokenCount(_ text: String) -> Int { text.count / 4 }
}

@Suite struct KeyAndPasteTests {
    @Test func controlCharactersDecode() {
        #expect(KeyDecoder.character(3) == .interrupt)
        #expect(KeyDecoder.character(1) == .key(.control("a")))
        #expect(KeyDecoder.character(23) == .key(.control("w")))
        #expect(KeyDecoder.character(13) == .key(.enter))
        #expect(KeyDecoder.character(127) == .key(.backspace))
        #expect(KeyDecoder.character(0x65E5) == .key(.character("日")))
    }

    @Test func aBurstWithALineBreakInsideIsAPaste() {
        let typed: [ScreenInput] = "ab".map { .key(.character($0)) } + [.key(.enter)]
        #expect(PasteDetector.coalesce(typed) == [.key(.character("a")), .key(.character("b")), .key(.enter)])
        let pasted: [ScreenInput] = "one".map { .key(.character($0)) } + [.key(.enter)] + "two".map { .key(.character($0)) }
        #expect(PasteDetector.coalesce(pasted) == [.paste("one\ntwo")])
        // Enter pressed twice in one burst stays two Enters.
        #expect(PasteDetector.coalesce([.key(.enter), .key(.enter)]) == [.key(.enter), .key(.enter)])
    }
}

@Suite struct PlainTranscriptTests {
    @Test func echoesActionsAndPrintsWholeSentencesAsTheyCome() {
        var state = playingState()
        var transcript = PlainTranscript()
        let first = transcript.update(state).text
        #expect(first.hasPrefix("You crouch on a wet rooftop"))
        #expect(first.contains("> You climb down.\n"))
        type("listen", into: &state)
        _ = pressEnter(&state)
        #expect(transcript.update(state).text == "\n> You listen.\n")
        _ = reduce(&state, .streamed("A door creaks. Then"))
        #expect(transcript.update(state).text == "A door creaks.")
        _ = reduce(&state, .streamed(" silence"))
        #expect(transcript.update(state).text == "")
        var adventure = state.adventure!
        adventure.tree.update(adventure.turns.last!.id) { $0.reply = Reply(text: "A door creaks. Then silence falls.", seed: 1, settings: GenerationSettings()) }
        _ = reduce(&state, .replyFinished(StoryTeller(adventure: adventure),
                                          ReplyOutcome(reply: adventure.turns.last!.reply!, attempts: 1, repetitive: false,
                                                       cancelled: false, tokensPerSecond: 1, ending: nil)))
        #expect(transcript.update(state).text == " Then silence falls.\n")
    }

    @Test func overlaysArePrintedAsText() {
        var state = playingState()
        var transcript = PlainTranscript()
        _ = transcript.update(state)
        type("/memory", into: &state)
        _ = pressEnter(&state)
        let (text, close) = transcript.update(state)
        #expect(text.contains("[Memory]\n1. You owe the Gull Queen 300 gold.\n"))
        #expect(close)
    }
}

@Suite struct PlainTranscriptChangesTests {
    func finish(_ state: inout AppState, with text: String) {
        var adventure = state.adventure!
        let reply = Reply(text: text, seed: 3, settings: GenerationSettings())
        adventure.answer(reply)
        _ = reduce(&state, .replyFinished(StoryTeller(adventure: adventure),
                                          ReplyOutcome(reply: reply, attempts: 1, repetitive: false, cancelled: false,
                                                       tokensPerSecond: 5, ending: nil)))
    }

    /// Continue, retry and another reply each print what changed once, on lines of their own.
    @Test func whatChangedIsPrintedOnceOnItsOwnLines() {
        var state = playingState()
        state.plainMode = true
        var transcript = PlainTranscript()
        _ = transcript.update(state)

        _ = pressEnter(&state)  // an empty line: continue
        _ = reduce(&state, .streamed("Rain falls. More"))
        #expect(transcript.update(state).text == "Rain falls.")
        finish(&state, with: "Rain falls. More rain.")
        #expect(transcript.update(state).text == " More rain.\n")

        _ = type("/retry", into: &state)
        _ = pressEnter(&state)
        _ = reduce(&state, .streamed("Snow falls. "))
        #expect(transcript.update(state).text == "* Another reply to the last turn:\nSnow falls.")
        finish(&state, with: "Snow falls. It is cold.")
        #expect(transcript.update(state).text == " It is cold.\n")

        _ = type("/alt", into: &state)
        _ = pressEnter(&state)
        #expect(transcript.update(state).text == "* Changed from here on:\nRain falls. More rain.\n* Turn 3: version 1 of 2\n")

        _ = type("/undo", into: &state)
        _ = pressEnter(&state)
        let undone = transcript.update(state).text
        #expect(undone.hasPrefix("* Taken back; the story now ends: …"), "\(undone)")
        #expect(undone.hasSuffix("* Took back 1 turn; /redo brings back.\n"))
    }

    /// A continuation that carries on the last paragraph prints only its own words: a screen
    /// reader hears every sentence once.
    @Test func aContinuationOfTheLastParagraphIsPrintedOnce() {
        var state = playingState()
        state.plainMode = true
        var transcript = PlainTranscript()
        let opening = transcript.update(state).text
        _ = pressEnter(&state)  // continue
        _ = reduce(&state, .streamed("A breeze blows from the east. In"))
        let streamed = transcript.update(state).text
        finish(&state, with: "A breeze blows from the east. In the light of the sun, the crate is empty.")
        let finished = transcript.update(state).text
        let all = opening + streamed + finished
        #expect(all.components(separatedBy: "two green coins").count == 2, "\(all)")
        #expect(all.components(separatedBy: "A breeze blows").count == 2, "\(all)")
        #expect(all.hasSuffix("the crate is empty.\n"), "\(all)")
    }

    /// A finished reply whose paragraphs are spaced differently from the streamed sentences
    /// prints only what is new (the fault sweep heard whole paragraphs twice), and one whose
    /// words changed says so with a `*` line before it is printed again.
    @Test func aFinishedReplyNeverRepeatsWhatWasStreamedUnannounced() {
        var state = playingState()
        state.plainMode = true
        var transcript = PlainTranscript()
        _ = transcript.update(state)
        type("!The tide comes in", into: &state)
        _ = pressEnter(&state)
        var all = transcript.update(state).text
        // Cleanup closes the open quotation of what was streamed so far; the reply goes on inside it.
        _ = reduce(&state, .streamed("\"Oh, no!\" he murmured.\n\n\"Yes, yes; I saw you! And"))
        all += transcript.update(state).text
        finish(&state, with: "\"Oh, no!\" he murmured.\n\n \"Yes, yes; I saw you! And I know you are dead.\"")
        all += transcript.update(state).text
        #expect(all.components(separatedBy: "he murmured").count == 2, "\(all)")
        #expect(all.hasSuffix(" And I know you are dead.\"\n"), "\(all)")

        type("/retry", into: &state)
        _ = pressEnter(&state)
        _ = reduce(&state, .streamed("The sea rises. It"))
        var retried = transcript.update(state).text
        finish(&state, with: "The water rises. It floods the stair.")
        retried += transcript.update(state).text
        #expect(retried.contains("* The reply as kept:\nThe water rises. It floods the stair.\n") || retried.contains("* Changed"), "\(retried)")
    }
}
