import Testing
@testable import Story

/// World info as lorebooks shape it. The expected results follow SillyTavern's own rules
/// (public/scripts/world-info.js: matchSecondaryKeys for the four logics, matchKeys for
/// case and whole words, `order` for where entries go, an entry's `scanDepth`).
@Suite struct WorldInfoLogicTests {
    /// A key matched; then, for secondary keys "storm" and "night": which texts bring the entry in.
    @Test(arguments: [
        (SelectiveLogic.andAny, [false, true, true, true]),
        (.notAll, [true, true, true, false]),
        (.notAny, [true, false, false, false]),
        (.andAll, [false, false, false, true]),
    ])
    func selectiveLogicDecidesByTheSecondaryKeys(logic: SelectiveLogic, expected: [Bool]) {
        let entry = WorldInfoEntry(keys: ["lighthouse"], text: "LIGHT", secondaryKeys: ["storm", "night"], logic: logic)
        let texts = ["The lighthouse.", "The lighthouse in a storm.", "The lighthouse at night.", "The lighthouse on a stormy night, a storm."]
        #expect(texts.map { !WorldInfoMatcher.triggered([entry], in: $0).isEmpty } == expected)
        // Without its key, never.
        #expect(WorldInfoMatcher.triggered([entry], in: "A storm at night.").isEmpty)
    }

    @Test func caseSensitiveAndWholeWordKeys() {
        let exact = WorldInfoEntry(keys: ["ELF"], text: "E", caseSensitive: true)
        #expect(WorldInfoMatcher.triggered([exact], in: "An ELF.").count == 1)
        #expect(WorldInfoMatcher.triggered([exact], in: "An elf.").isEmpty)
        let part = WorldInfoEntry(keys: ["elf"], text: "P", wholeWords: false)
        #expect(WorldInfoMatcher.triggered([part], in: "On the shelf.").count == 1)
        let whole = WorldInfoEntry(keys: ["elf"], text: "W")
        #expect(WorldInfoMatcher.triggered([whole], in: "On the shelf.").isEmpty)
        #expect(WorldInfoMatcher.triggered([whole], in: "An Elf, tall.").count == 1)
        // Secondary and anti-keys follow the entry's own rules too.
        let strict = WorldInfoEntry(keys: ["Vess"], text: "V", secondaryKeys: ["Gull"], caseSensitive: true)
        #expect(WorldInfoMatcher.triggered([strict], in: "Vess boards the gull.").isEmpty)
        #expect(WorldInfoMatcher.triggered([strict], in: "Vess boards the Gull.").count == 1)
    }

    @Test func triggeredEntriesGoByInsertionOrderThenAsListed() {
        let entries = [WorldInfoEntry(keys: ["a"], text: "late", order: 300), WorldInfoEntry(keys: ["a"], text: "first", order: 5),
                       WorldInfoEntry(keys: ["a"], text: "listed one"), WorldInfoEntry(keys: ["a"], text: "listed two")]
        #expect(WorldInfoMatcher.triggered(entries, in: "a").map(\.text) == ["first", "listed one", "listed two", "late"])
    }

    /// An entry's own scan depth: the tower is named in turn 1 only; at turn 6 an entry
    /// searching 2 turns no longer sees it, one searching 10 does.
    @Test func anEntrySearchesItsOwnDepthOfTurns() throws {
        var story = adventure(turns: 6)
        story.tree = StoryTree(linear: story.turns.enumerated().map { index, turn in
            LinearTurn(mode: turn.mode, input: turn.input, action: index == 0 ? "> You climb the tower." : turn.action,
                       replies: [turn.reply!], chosen: 0)
        })
        story.worldInfo = [WorldInfoEntry(keys: ["tower"], text: "SHORT SIGHT", scanDepth: 2),
                           WorldInfoEntry(keys: ["tower"], text: "LONG SIGHT", scanDepth: 10)]
        let prompt = try ContextBuilder(counter: RealCounter(), window: 1024, reserved: 84).prompt(for: withCurrentAction(story))
        let world = prompt.sections.filter { $0.kind == .worldInfo }.map(\.text).joined()
        #expect(world.contains("LONG SIGHT"))
        #expect(!world.contains("SHORT SIGHT"))
        // The action is always searched, whatever the depth.
        story.worldInfo = [WorldInfoEntry(keys: ["tower"], text: "NOW", scanDepth: 0)]
        let asked = try ContextBuilder(counter: RealCounter(), window: 1024, reserved: 84)
            .prompt(for: withCurrentAction(story, "look at the tower"))
        #expect(asked.sections.contains { $0.kind == .worldInfo && $0.text == "NOW\n" })
    }

    @Test func thePromptListsWorldInfoInInsertionOrder() throws {
        var story = adventure(turns: 2)
        story.worldInfo = [WorldInfoEntry(keys: ["room"], text: "ROOMS ARE OLD.", order: 200),
                           WorldInfoEntry(keys: ["lamp"], text: "LAMPS ARE OIL.", order: 20)]
        let prompt = try ContextBuilder(counter: RealCounter(), window: 1024, reserved: 84).prompt(for: withCurrentAction(story))
        let world = try #require(prompt.sections.first { $0.kind == .worldInfo })
        #expect(world.text == "LAMPS ARE OIL.\nROOMS ARE OLD.\n")
    }
}
