import Testing
@testable import Story

/// The prompt layout keeps its prefix from turn to turn, so the engine reuses its cache: a
/// property over random adventures (random reply lengths, memory, world info triggered now
/// and then, an author's note).
@Suite struct PrefixStabilityTests {
    struct Random {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    static let words = ["the", "rain", "falls", "on", "a", "dark", "tower", "and", "you", "hear", "steps", "below", "cold",
                        "wind", "whispers", "through", "broken", "glass", "far", "away", "lantern", "moves"]

    func sentence(_ random: inout Random, words count: Int) -> String {
        (0..<count).map { _ in Self.words[random.next(Self.words.count)] }.joined(separator: " ") + "."
    }

    @Test(arguments: [1, 2, 3, 4, 5])
    func consecutiveTurnsShareThePromptUpToTheActionAndNote(seed: UInt64) throws {
        var random = Random(state: seed)
        var teller = StoryTeller(adventure: Adventure(
            title: "Property", opening: "You stand at the gate of the old city.",
            memory: ["You are a courier with a sealed letter."],
            worldInfo: [WorldInfoEntry(keys: ["dragon"], text: "Dragons sleep under the hills."),
                        WorldInfoEntry(keys: ["guild"], text: "The guild pays in silver."),
                        WorldInfoEntry(keys: ["river"], text: "The river floods each spring."),
                        WorldInfoEntry(keys: ["queen"], text: "The queen has not been seen in a year.")],
            authorsNote: seed % 2 == 0 ? "Keep it tense." : ""))
        let counter = RealCounter()
        let window = 512
        var previousReadAhead: ContextPrompt?
        var drops = 0
        var cacheMisses = 0
        var (moves, foreseen) = (0, 0)
        for turn in 0..<60 {
            // What the engine reads ahead while the player types: the next prompt without its action.
            let readAhead = try teller.nextPrompt(counter: counter, window: window)
            if let previous = previousReadAhead {
                // Since the last turn, only what follows the previous prompt's story head changed.
                let head = previous.sections.prefix { $0.kind == .memory || $0.kind == .story }.map(\.text).joined()
                if !readAhead.text.hasPrefix(head) { drops += 1 }
                if readAhead.turnsDropped > previous.turnsDropped {
                    moves += 1
                    // The second cache's guess, made a turn before, is where the new prompt starts.
                    if let upcoming = previous.upcoming, readAhead.text.hasPrefix(upcoming) { foreseen += 1 }
                }
            }
            let trigger = random.next(5) == 0 ? " near the " + ["dragon", "guild", "river", "queen"][random.next(4)] : ""
            try teller.act("walk on" + trigger, mode: .do)
            let prompt = try teller.nextPrompt(counter: counter, window: window)
            // Enter costs the action: the prompt is exactly what was read ahead, then the world
            // info only the action triggers, then the action.
            #expect(prompt.text.hasPrefix(readAhead.text), "turn \(turn): the prompt diverged from what was read ahead")
            if !prompt.text.hasPrefix(readAhead.text) { cacheMisses += 1 }
            if !trigger.isEmpty, let last = prompt.sections.dropLast().last, last.kind == .worldInfo {
                #expect(prompt.text.hasSuffix(last.text + prompt.sections.last!.text))
            }
            try teller.edit(turn: teller.adventure.turns.count, reply: sentence(&random, words: 10 + random.next(40)))
            previousReadAhead = readAhead
        }
        // Old turns are dropped in blocks: the story's start moved far less often than every turn.
        #expect(drops > 0 && drops <= 60 / 3, "the story's start moved \(drops) times in 60 turns")
        #expect(cacheMisses == 0)
        print("seed \(seed): the start moved \(moves) times, \(foreseen) foreseen by the prompt's upcoming text")
        #expect(moves > 0 && foreseen == moves)
    }
}
