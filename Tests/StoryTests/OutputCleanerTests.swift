import Testing
@testable import Story

/// Raw model output and the turn the player should see.
let cleanupTable: [(raw: String, cleaned: String)] = [
    ("You open the door. It creaks.", "You open the door. It creaks."),
    (" You open the door. It creaks", "You open the door."),
    ("The room is dark.\n> You light a torch.\nIt burns.", "The room is dark."),
    ("The guard nods.\n\n\n\nHe waves you on.", "The guard nods.\n\nHe waves you on."),
    ("He says, \"Follow me. Quickly", "He says, \"Follow me.\""),
    ("\u{1B}[31mBlood\u{1B}[0m drips from the ceiling.", "Blood drips from the ceiling."),
    ("The wind howls.<|endoftext|>Chapter 2", "The wind howls."),
    ("You:  I attack", ""),
    ("The orc falls.\nYou: I loot the body.", "The orc falls."),
    ("The cave is cold and silent. The cave is cold and silent. The cave is cold and silent.", "The cave is cold and silent."),
    ("Hello?! Anyone there?!", "Hello?! Anyone there?!"),
    ("", ""),
    ("   \n\n  ", ""),
    ("The door opens…", "The door opens…"),
    ("\"Run!\" she screams. \"They're coming", "\"Run!\" she screams."),
    ("He nods.\" Then he leaves", "He nods."),
    ("The bell rings\u{07} twice.", "The bell rings twice."),
    ("Line one.\r\nLine two.", "Line one.\nLine two."),
    ("The torch flickers.\tShadows dance.", "The torch flickers. Shadows dance."),
    ("A voice: \u{1B}]0;hacked\u{07}hello there.", "A voice: hello there."),
    ("You see a chest. > You open the chest.", "You see a chest."),
    ("Nothing happens.\n>look", "Nothing happens."),
    ("  > You wait.\nTime passes.", ""),
    ("The dragon (ancient and vast) sleeps.", "The dragon (ancient and vast) sleeps."),
    ("The end (or is it?) Perhaps", "The end (or is it?)"),
    ("Mr. Smith waves. He", "Mr. Smith waves."),
    ("“Halt,” says the guard. “Who goes", "“Halt,” says the guard."),
    ("“Halt! Who goes there?", "“Halt! Who goes there?”"),
    ("You walk north.\n\nThe forest thins.\n\n", "You walk north.\n\nThe forest thins."),
    ("Wait... what was that?", "Wait... what was that?"),
    ("The ship sails on!!!", "The ship sails on!!!"),
    ("Café au lait, naïve résumé. Done", "Café au lait, naïve résumé."),
    ("A dragon 🐉 roars. Then", "A dragon 🐉 roars."),
    ("First line\nSecond line.", "First line\nSecond line."),
    ("He whispers, 'go now.' Then", "He whispers, 'go now.'"),
    ("\u{9B}31mRed text.", "Red text."),
    ("Null\u{0}byte here.", "Nullbyte here."),
    ("Right\u{202E}to left.", "Rightto left."),
    ("It is over. It is over. Really over.", "It is over. It is over. Really over."),
    ("You hear a noise in the dark. You hear a noise in the dark! Run.", "You hear a noise in the dark. Run."),
    ("*The door slams shut.* Silence", "*The door slams shut.*"),
    ("Player: attack", ""),
    ("The goblin laughs.\n\n> You", "The goblin laughs."),
    ("The clock reads 3.45 and", "The clock reads 3.45 and"),
    ("Trailing spaces.   \nNext line.  ", "Trailing spaces.\nNext line."),
    ("\u{1B}cReset screen. Fine.", "Reset screen. Fine."),
    ("Cursor\u{1B}[2J\u{1B}[Hmoves. Ok.", "Cursormoves. Ok."),
]

@Suite struct OutputCleanerTests {
    @Test func tableIsLargeEnough() {
        #expect(cleanupTable.count >= 40)
    }

    @Test(arguments: cleanupTable)
    func cleans(raw: String, cleaned: String) {
        #expect(OutputCleaner.clean(raw).text == cleaned)
    }

    @Test func reportsWhetherASentenceEnded() {
        #expect(OutputCleaner.clean("It was 3.5 miles away").endsSentence == false)
        #expect(OutputCleaner.clean("It was far. Then").endsSentence == true)
    }

    @Test func sanitizerKeepsOrdinaryText() {
        let text = "Plain text, 日本語, emoji 🐉, tabs\tand\nnewlines."
        #expect(TextSanitizer.clean(text) == text)
    }

    @Test func loopGuardMeasuresSimilarity() {
        #expect(LoopGuard.similarity("The orc attacks you with an axe.", "The orc attacks you with an axe!") == 1)
        #expect(LoopGuard.similarity("The orc attacks.", "A fairy sings softly.") == 0)
        #expect(LoopGuard.isRepetitive("", recent: []))
        #expect(LoopGuard.isRepetitive("The orc attacks you with an axe.", recent: ["Birds sing.", "The orc attacks you with an axe."]))
        #expect(!LoopGuard.isRepetitive("The orc drops the axe and flees.", recent: ["The orc attacks you with an axe."]))
    }

    @Test(arguments: [
        ("The arrow strikes your heart. You die.", Ending.gameOver),
        ("Everything fades. Game over.", .gameOver),
        ("The crowd cheers: you have won the tournament!", .victory),
    ])
    func detectsEndings(reply: String, ending: Ending) {
        #expect(EndingDetector.ending(in: reply) == ending)
    }

    @Test func ordinaryRepliesAreNotEndings() {
        #expect(EndingDetector.ending(in: "You dive into the river.") == nil)
        #expect(EndingDetector.ending(in: "The window is open.") == nil)
    }
}

@Suite struct StreamSanitizerTests {
    /// Hostile text, cut at every position into two pieces, and into single scalars: the
    /// stream must give exactly what cleaning the whole text gives (whole sequences dropped).
    @Test(arguments: [
        "Before\u{1B}[2JAfter.",
        "Title\u{1B}]0;owned\u{07} text.",
        "Clip\u{1B}]52;c;aGVsbG8=\u{1B}\\board.",
        "Eight-bit\u{9B}31mred\u{9D}0;t\u{9C} done.",
        "Reset\u{1B}c and \u{1B}7saved.",
    ])
    func splitSequencesAreDroppedWhole(text: String) {
        let whole = TextSanitizer.clean(text)
        #expect(!whole.contains("[2J") && !whole.contains("owned") && !whole.contains("aGVs") && !whole.contains("31m"))
        let scalars = Array(text.unicodeScalars)
        for cut in 0...scalars.count {
            var stream = TextSanitizer.Stream()
            let first = String(String.UnicodeScalarView(scalars[..<cut])), second = String(String.UnicodeScalarView(scalars[cut...]))
            #expect(stream.push(first) + stream.push(second) + stream.finish() == whole, "cut at \(cut)")
        }
        var stream = TextSanitizer.Stream()
        #expect(scalars.map { stream.push(String($0)) }.joined() + stream.finish() == whole)
    }

    @Test func anUnfinishedSequenceIsDroppedAtTheEnd() {
        var stream = TextSanitizer.Stream()
        #expect(stream.push("Words \u{1B}]0;never ends") == "Words ")
        #expect(stream.finish() == "")
    }
}

@Suite struct LoopInsideAReplyTests {
    @Test(arguments: [
        "You are a man of about thirty, and you are a man of about thirty, and you are a man.",
        "He is thirty-one-one-one-one years old.",
        "The door opens. The door opens. The door opens wide.",
    ])
    func loopsAreCaught(text: String) {
        #expect(LoopGuard.repeatsItself(text))
        #expect(LoopGuard.isRepetitive(text, recent: []))
    }

    @Test(arguments: [
        "The gutter groans under your weight. You drop into the alley without a sound, and the rain keeps falling.",
        "You open the door and step into the hall. The hall is dark, and the door swings shut behind you.",
    ])
    func ordinaryProseIsNot(text: String) {
        #expect(!LoopGuard.repeatsItself(text))
    }
}
