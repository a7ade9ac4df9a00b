import Testing
@testable import Story

/// A character card becomes an adventure: the opening told to the player, memory that never
/// takes more than half the window, the rest as world info, `{{char}}` and `{{user}}` named.
@Suite struct CardStartTests {
    static let card = CharacterCard(
        name: "Seraphina",
        description: "{{char}} is a guardian of the forest.\nShe heals {{user}}'s kind.",
        personality: "caring, stern",
        scenario: "{{user}} wakes in {{char}}'s glade.",
        greetings: ["*{{char}} kneels beside {{user}} and presses a cool hand to {{user}}'s brow.* \"Easy. {{user}} is safe here.\"",
                    "The glade is quiet when {{user}} arrives. {{char}} watches as {{user}} watches the trees."],
        book: [WorldInfoEntry(keys: ["{{char}}'s sword"], text: "{{char}} gave {{user}} a sword.")])

    @Test(arguments: [
        ("*{{char}} kneels beside {{user}} and presses a cool hand to {{user}}'s brow.* \"Easy. {{user}} is safe here.\"",
         "Seraphina kneels beside you and presses a cool hand to your brow. \"Easy. You are safe here.\""),
        ("The glade is quiet when {{user}} arrives. {{char}} watches as {{user}} watches the trees.",
         "The glade is quiet when you arrive. Seraphina watches as you watch the trees."),
        ("{{user}} has a map and {{user}} goes north; {{char}} gives {{user}} gifts.",
         "You have a map and you go north; Seraphina gives you gifts."),
        ("<USER> always wins. {{User}} cries.", "You always wins. You cry."),
    ])
    func theGreetingIsToldToThePlayer(greeting: String, opening: String) {
        #expect(CardText.secondPerson(greeting, character: "Seraphina") == opening)
    }

    @Test func aSmallCardIsMemoryAndItsBookIsWorldInfo() {
        let start = CardStart(counter: RealCounter(), window: 1024, reserved: 84)
        let result = start.adventure(from: Self.card, greeting: 1, player: "Ash")
        let adventure = result.adventure
        #expect(adventure.title == "Seraphina")
        #expect(adventure.opening == "The glade is quiet when you arrive. Seraphina watches as you watch the trees.")
        #expect(adventure.memory == ["Seraphina is a guardian of the forest.", "She heals Ash's kind.",
                                     "Seraphina's personality: caring, stern", "Scenario: Ash wakes in Seraphina's glade."])
        #expect(adventure.worldInfo == [WorldInfoEntry(keys: ["Seraphina's sword"], text: "Seraphina gave Ash a sword.")])
        let memoryTokens = adventure.memory.reduce(0) { $0 + RealCounter().tokenCount($1 + "\n") }
        let openingTokens = RealCounter().tokenCount(adventure.opening)
        #expect(result.report == ["opening: greeting 2 of 2 (\(openingTokens) tokens)",
                                  "memory: description, personality, scenario (\(memoryTokens) tokens)",
                                  "world info: 1 entry from the card's lorebook"])
    }

    /// A card far longer than half the window: memory keeps what fits in its half, the rest
    /// is world info keyed on the name, switched off past a quarter of the window, and the
    /// adventure plays (a prompt mentioning the character fits).
    @Test func aLongCardKeepsHalfTheWindowForTheStory() throws {
        let paragraphs = (1...40).map { "Fact \($0): Seraphina remembers the \($0)th winter of the forest, when the river froze and the deer starved." }
        var card = Self.card
        card.name = "Seraphina Vale"
        card.description = paragraphs.joined(separator: "\n")
        let window = 1024
        let reserved = 84
        let start = CardStart(counter: RealCounter(), window: window, reserved: reserved)
        let result = start.adventure(from: card, greeting: 0, player: "Ash")
        let adventure = result.adventure
        let memoryTokens = RealCounter().tokenCount(adventure.memory.joined(separator: "\n") + "\n")
        #expect(memoryTokens <= window - reserved - window / 2)
        #expect(memoryTokens > window - reserved - window / 2 - 40)  // filled, not left half empty
        let overflow = adventure.worldInfo.filter { $0.comment == "from the character card" }
        #expect(!overflow.isEmpty)
        #expect(overflow.allSatisfy { $0.keys == ["Seraphina Vale", "Seraphina"] })
        // Scenario and personality are kept first; every paragraph is somewhere, in order.
        #expect(adventure.memory.suffix(2) == ["Seraphina Vale's personality: caring, stern", "Scenario: Ash wakes in Seraphina Vale's glade."])
        let kept = adventure.memory.dropLast(2) + overflow.flatMap { $0.text.split(separator: "\n").map(String.init) }
        #expect(Array(kept) == paragraphs)
        let on = overflow.filter { !$0.disabled }
        let onTokens = on.reduce(0) { $0 + RealCounter().tokenCount($1.text + "\n") }
        #expect(onTokens <= window / 4 + start.overflowBlock)
        #expect(overflow.contains { $0.disabled })
        let report = try #require(result.report.first { $0.hasPrefix("the card's text is") })
        #expect(report.contains("\(memoryTokens) tokens kept in memory"))
        #expect(report.contains("\(onTokens) tokens as \(on.count) world-info entries keyed on \"Seraphina Vale\""))
        #expect(report.contains("switched off (together they would not fit beside the story)"))

        var teller = StoryTeller(adventure: adventure)
        try teller.act("ask Seraphina about the winter", mode: .do)
        let prompt = try ContextBuilder(counter: RealCounter(), window: window, reserved: reserved).prompt(for: teller.adventure)
        #expect(prompt.tokens <= window - reserved)
        #expect(prompt.sections.contains { $0.kind == .worldInfo && $0.text.contains("Fact ") })
    }

    @Test func withoutANameThePlayerIsYouEverywhere() {
        let start = CardStart(counter: RealCounter(), window: 1024, reserved: 84)
        let adventure = start.adventure(from: Self.card, greeting: 0, player: "  ").adventure
        #expect(adventure.memory.last == "Scenario: you wake in Seraphina's glade.")
        #expect(adventure.memory[1] == "She heals your kind.")
        #expect(adventure.worldInfo[0].text == "Seraphina gave you a sword.")
    }
}
