import Testing
@testable import Story

@Suite struct PassageSplitterTests {
    @Test func aTurnSplitsAtSentenceEndsIntoShortPassagesThatKeepEveryWord() {
        let reply = (1...30).map { "Sentence number \($0) ends here." }.joined(separator: " ") + "\nA new line starts a sentence"
        let turn = Turn(id: 7, parent: 0, mode: .do, input: "x", action: "> You look around.",
                        reply: Reply(text: reply, seed: 0, settings: GenerationSettings()))
        let passages = PassageSplitter.passages(of: turn)
        #expect(passages.count > 3)
        #expect(passages.allSatisfy { $0.turn == 7 && $0.text.count <= PassageSplitter.maxCharacters })
        #expect(passages.map(\.ordinal) == Array(0..<passages.count))
        #expect(passages[0].text.hasPrefix("> You look around. Sentence number 1 ends here."))
        // Cuts fall between sentences, and nothing is lost or doubled.
        #expect(passages.dropLast().allSatisfy { $0.text.hasSuffix(".") })
        let words = { (text: String) in text.split(whereSeparator: \.isWhitespace).map(String.init) }
        #expect(passages.flatMap { words($0.text) } == words("> You look around.\n" + reply))
    }

    @Test func aSentenceLongerThanAPassageIsCutBetweenWords() {
        let long = Array(repeating: "word", count: 200).joined(separator: " ")
        let passages = PassageSplitter.passages(ofOpening: long)
        #expect(passages.count > 1 && passages.allSatisfy { $0.text.count <= PassageSplitter.maxCharacters && !$0.text.hasPrefix(" ") })
        #expect(passages.map(\.text).joined(separator: " ") == long)
        #expect(passages.allSatisfy { $0.turn == StoryTree.opening })
    }
}

@Suite struct RecallWordsTests {
    @Test func namesComeFirstAndCommonOrKnownWordsAreLeftOut() {
        let words = RecallWords.query(from: "You ask the barmaid about Håkon. She says the obsidian compass is 300 years old.",
                                      excluding: ["barmaid"])
        #expect(words.first == "håkon")
        #expect(words.contains("obsidian") && words.contains("compass"))
        for gone in ["you", "the", "about", "she", "says", "barmaid", "300", "old"] { #expect(!words.contains(gone), "\(gone)") }
    }

    @Test func queryWordsAreOnlyLettersAndDigits() {
        let words = RecallWords.query(from: "\"NEAR\" * - ^ OR AND a\"b \u{1b}[2J ((x)) Håkon*")
        #expect(words.allSatisfy { $0.allSatisfy { $0.isLetter || $0.isNumber } }, "\(words)")
        #expect(words.contains("håkon") && words.contains("near"))
    }
}

@Suite struct RecallContextTests {
    static let filler = "The corridor is long and the torch flickers against the damp stone of the wall."

    /// Turn 1 names the innkeeper; forty turns of corridors follow; the latest reply names her again.
    func story(latest: String = "You remember Håkon's warning.") -> Adventure {
        var adventure = Adventure(title: "Recall", opening: "You arrive at an inn.", authorsNote: "Keep it tense.")
        adventure.tree.add(after: adventure.tree.head, mode: .do, input: "ask her name", action: "> You ask her name.",
                           reply: Reply(text: "The innkeeper says her name is Håkon and she keeps a crossbow.", seed: 0, settings: adventure.settings))
        for _ in 0..<40 {
            adventure.tree.add(after: adventure.tree.head, mode: .do, input: "walk on", action: "> You walk on.",
                               reply: Reply(text: Self.filler, seed: 0, settings: adventure.settings))
        }
        adventure.tree.add(after: adventure.tree.head, mode: .do, input: "stop", action: "> You stop.",
                           reply: Reply(text: latest, seed: 0, settings: adventure.settings))
        return adventure
    }

    @Test func aNameInTheLatestReplyRecallsItsPassageBesideTheAuthorsNote() throws {
        let adventure = story()
        let teller = StoryTeller(adventure: adventure)
        let prompt = try teller.nextPrompt(counter: RealCounter(), window: 1024, recall: ScanIndex(adventure: adventure))
        let kinds = prompt.sections.map(\.kind)
        let recall = try #require(kinds.firstIndex(of: .recall))
        #expect(kinds[recall + 1] == .authorsNote, "\(kinds)")
        #expect(prompt.recalled.count == 1)
        #expect(prompt.recalled.first?.turnNumber == 1 && prompt.recalled.first?.matched == ["Håkon"])
        #expect(prompt.sections[recall].text.hasPrefix("[Earlier in the story: > You ask her name. The innkeeper says her name is Håkon"))
        #expect(prompt.turnsDropped >= 1)
        #expect(prompt.sections[recall].tokens <= GenerationSettings.defaultRecallTokens)
    }

    @Test func recallOffOrWithoutAnIndexLeavesThePromptAsItWas() throws {
        var adventure = story()
        let plain = try StoryTeller(adventure: adventure).nextPrompt(counter: RealCounter(), window: 1024)
        adventure.settings.recallTokens = 0
        let off = try StoryTeller(adventure: adventure).nextPrompt(counter: RealCounter(), window: 1024, recall: ScanIndex(adventure: adventure))
        #expect(off == plain)
        #expect(!plain.sections.contains { $0.kind == .recall })
    }

    @Test func wordsOnlyTheActionHasRecallJustBeforeTheAction() throws {
        var teller = StoryTeller(adventure: story(latest: "Nothing happens."))
        let readAhead = try teller.nextPrompt(counter: RealCounter(), window: 1024, recall: ScanIndex(adventure: teller.adventure))
        #expect(readAhead.recalled.isEmpty)
        try teller.act("ask about the crossbow", mode: .do)
        let prompt = try teller.nextPrompt(counter: RealCounter(), window: 1024, recall: ScanIndex(adventure: teller.adventure))
        #expect(prompt.sections.suffix(2).map(\.kind) == [.recall, .action])
        #expect(prompt.recalled.first?.nearAction == true && prompt.recalled.first?.turnNumber == 1)
        // Everything before the action is what was read ahead.
        #expect(prompt.text.hasPrefix(readAhead.text))
    }

    @Test func aPassageStillInTheContextIsNeverRecalled() throws {
        var adventure = Adventure(title: "Short", opening: "You arrive.")
        adventure.tree.add(after: adventure.tree.head, mode: .do, input: "x", action: "> You meet Håkon.",
                           reply: Reply(text: "Håkon nods.", seed: 0, settings: adventure.settings))
        adventure.tree.add(after: adventure.tree.head, mode: .do, input: "x", action: "> You wave.",
                           reply: Reply(text: "Håkon waves back.", seed: 0, settings: adventure.settings))
        let prompt = try StoryTeller(adventure: adventure).nextPrompt(counter: RealCounter(), window: 1024, recall: ScanIndex(adventure: adventure))
        #expect(prompt.recalled.isEmpty && prompt.turnsDropped == 0)
    }

    /// The prefix-stability property with recall on: the prompt at Enter starts with what was
    /// read ahead, though names from long-gone turns keep coming back.
    @Test(arguments: [1, 2, 3])
    func recallKeepsThePromptReadAheadAPrefix(seed: UInt64) throws {
        var random = PrefixStabilityTests.Random(state: seed)
        let names = ["Håkon", "Brindlewick", "Quillon", "Marrowgate", "Seraphine", "Thornwald"]
        var teller = StoryTeller(adventure: Adventure(title: "Property", opening: "You stand at the gate of Brindlewick.",
                                                      memory: ["You are a courier."], authorsNote: "Keep it tense."))
        var recalledTurns = 0
        for turn in 0..<60 {
            let readAhead = try teller.nextPrompt(counter: RealCounter(), window: 512, recall: ScanIndex(adventure: teller.adventure))
            let name = random.next(3) == 0 ? " with " + names[random.next(names.count)] : ""
            try teller.act("walk on" + name, mode: .do)
            let prompt = try teller.nextPrompt(counter: RealCounter(), window: 512, recall: ScanIndex(adventure: teller.adventure))
            #expect(prompt.text.hasPrefix(readAhead.text), "turn \(turn): the prompt diverged from what was read ahead")
            #expect(prompt.recalled.allSatisfy { $0.turnNumber <= prompt.turnsDropped })
            if !prompt.recalled.isEmpty { recalledTurns += 1 }
            let reply = (0..<(2 + random.next(4))).map { _ in
                random.next(4) == 0 ? names[random.next(names.count)] + " waits by the river." : RecallContextTests.filler
            }.joined(separator: " ")
            try teller.edit(turn: teller.adventure.turns.count, reply: reply)
        }
        #expect(recalledTurns > 5)
    }
}
