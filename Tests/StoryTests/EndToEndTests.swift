import Engine
import Foundation
import GPT2
import Story
import TestSupport
import Testing

/// Wraps the real engine and records the size of every prompt it is given.
final class RecordingGenerator: TextGenerator {
    let engine: TextEngine
    var promptTokens: [Int] = []
    var largestRequest = 0

    init(engine: TextEngine) { self.engine = engine }

    var contextLength: Int { engine.contextLength }
    var modelName: String { engine.modelName }
    func tokenCount(_ text: String) -> Int { engine.tokenCount(text) }

    func generate(prompt: String, settings: GenerationSettings, seed: UInt64, stopSequences: [String],
                  onText: (String) -> Bool) throws -> GeneratedText {
        let count = engine.tokenCount(prompt)
        promptTokens.append(count)
        largestRequest = max(largestRequest, count + settings.replyLength)
        return try engine.generate(prompt: prompt, settings: settings, seed: seed, stopSequences: stopSequences, onText: onText)
    }
}

@Suite struct EndToEndTests {
    @Test func thirtyTurnsNeverOverflowTheWindow() throws {
        let folder = try ScratchFolder()
        // A 256-token window fills within a few turns, so dropping old turns is exercised.
        try RandomCheckpoint.write(to: folder.url, positions: 256)
        let generator = RecordingGenerator(engine: try TextEngine(directory: folder.url))
        var teller = StoryTeller(adventure: Adventure(
            title: "E2E", opening: "You stand before the gate of a ruined keep. Rain falls.",
            memory: ["You are a wandering sellsword."], authorsNote: "Keep it grim."))
        teller.remember("You carry a lantern.")
        teller.addWorldInfo(WorldInfoEntry(keys: ["keep"], text: "The keep fell a hundred years ago."))
        try teller.setSettings(GenerationSettings(replyLength: 40))
        var random = SeededSeeds(state: 42)
        let actions: [(String, ActionMode)] = [("open the gate", .do), ("who is there?", .say), ("", .continue),
                                               ("the rain stops", .story), ("I light my lantern", .do)]
        var replies = 0
        for turn in 0..<30 {
            let (input, mode) = actions[turn % actions.count]
            try teller.act(input, mode: mode)
            do {
                let outcome = try teller.writeReply(with: generator, random: &random)
                if outcome.reply != nil { replies += 1 }
            } catch StoryError.noReply {
                // Random weights can write nothing usable; the player would edit or undo.
                try teller.edit(turn: teller.adventure.turns.count, reply: "Nothing happens.")
            }
            let prompt = try teller.prompt(for: generator)
            #expect(prompt.tokens + prompt.reserved <= generator.contextLength)
        }
        #expect(teller.adventure.turns.count == 30)
        #expect(generator.promptTokens.count >= 30)
        #expect(generator.largestRequest <= generator.contextLength, "a prompt plus its reply overflowed the window")
        #expect(replies >= 20, "only \(replies) of 30 turns got a usable reply")
        // Old turns really were dropped: the whole story is far larger than the window.
        let whole = teller.adventure.blocks.map(\.text).joined(separator: "\n")
        #expect(generator.tokenCount(whole) > generator.contextLength)
    }
}

struct SeededSeeds: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state
    }
}

@Suite struct PromptProgressTests {
    /// A long prompt is reported chunk by chunk; a cached prefix is not read again.
    @Test func readingALongPromptIsReportedByChunk() throws {
        let folder = try ScratchFolder()
        try RandomCheckpoint.write(to: folder.url, positions: 1024)
        let engine = try TextEngine(directory: folder.url)
        engine.promptProgressDelay = .zero
        let reports = ProgressLog()
        engine.promptProgress = { reports.add($0, $1) }
        let prompt = Array(repeating: 262, count: 600)  // " the", 600 times
        let request = GenerationRequest(maxTokens: 2, sampling: .greedy, seed: 1)
        _ = try engine.generate(promptTokens: prompt, request: request)
        #expect(reports.all == [[256, 600], [512, 600], [600, 600]])

        reports.clear()
        engine.promptProgressDelay = .seconds(60)  // a wait shorter than the delay shows nothing
        _ = try engine.generate(promptTokens: prompt + [13], request: request)
        #expect(reports.all.isEmpty)
    }
}

/// Progress reports, gathered from the engine's callback.
final class ProgressLog: @unchecked Sendable {
    // @unchecked: `entries` is only touched under `lock`.
    private let lock = NSLock()
    private var entries: [[Int]] = []
    func add(_ done: Int, _ total: Int) { lock.withLock { entries.append([done, total]) } }
    func clear() { lock.withLock { entries.removeAll() } }
    var all: [[Int]] { lock.withLock { entries } }
}

@Suite struct ReadAheadTests {
    /// Reading ahead changes when the prompt is computed, never what is written: the same
    /// seeds give the same story, token for token, with and without it.
    @Test func aGameReadsTheSameWithAndWithoutReadingAhead() throws {
        let folder = try ScratchFolder()
        try RandomCheckpoint.write(to: folder.url, positions: 512)
        func play(readingAhead: Bool) throws -> (Adventure, computedAfterEnter: [Int]) {
            let engine = try TextEngine(directory: folder.url)
            var teller = StoryTeller(adventure: Adventure(
                title: "Ahead", opening: "You stand before the gate of a ruined keep. Rain falls.",
                memory: ["You are a wandering sellsword."],
                worldInfo: [WorldInfoEntry(keys: ["keep"], text: "The keep fell a hundred years ago.")],
                authorsNote: "Keep it grim."))
            try teller.setSettings(GenerationSettings(replyLength: 30))
            var random = SeededSeeds(state: 7)
            var computed: [Int] = []
            let generator = CountingGenerator(engine: engine)
            for turn in 0..<8 {
                generator.firstComputed = nil
                if readingAhead {
                    _ = try engine.readAhead(prompt: try teller.nextPrompt(counter: engine, window: engine.contextLength).text) { false }
                }
                try teller.act(["open the gate", "look around", "", "light a torch"][turn % 4], mode: .do)
                do {
                    _ = try teller.writeReply(with: generator, random: &random)
                } catch StoryError.noReply {
                    try teller.edit(turn: teller.adventure.turns.count, reply: "Nothing happens.")
                }
                computed.append(generator.firstComputed ?? 0)
            }
            return (teller.adventure, computed)
        }
        let (ahead, computedAhead) = try play(readingAhead: true)
        let (plain, computedPlain) = try play(readingAhead: false)
        #expect(ahead == plain)
        // With the prompt read ahead, Enter computes only the action (a few tokens).
        #expect(computedAhead.dropFirst().allSatisfy { $0 <= 12 }, "\(computedAhead)")
        #expect(computedPlain.reduce(0, +) > computedAhead.reduce(0, +))
    }
}

extension ReadAheadTests {
    /// When old turns drop out, the whole prompt after the memory changes. Read into the
    /// second cache on the turns before (`ContextPrompt.upcoming`), that turn's read-ahead
    /// computes only the story's last lines: and the story is the same, token for token.
    @Test func theSecondCacheReadsThePromptOldTurnsDropOutOf() throws {
        let folder = try ScratchFolder()
        try RandomCheckpoint.write(to: folder.url, positions: 512)
        struct Shift { var computed, prompt, guessed: Int }
        func play(upcoming: Bool) throws -> (Adventure, shifts: [Shift]) {
            let engine = try TextEngine(directory: folder.url)
            var teller = StoryTeller(adventure: Adventure(
                title: "Ahead", opening: "You stand before the gate of a ruined keep. Rain falls.",
                memory: ["You are a wandering sellsword."], authorsNote: "Keep it grim."))
            try teller.setSettings(GenerationSettings(replyLength: 24))
            var random = SeededSeeds(state: 3)
            var shifts: [Shift] = []
            var previous: ContextPrompt?
            for turn in 0..<32 {
                let next = try teller.nextPrompt(counter: engine, window: engine.contextLength)
                let computed = try engine.readAhead(prompt: next.text, upcoming: upcoming ? next.upcoming : nil) { false }
                if let previous, next.turnsDropped > previous.turnsDropped {
                    shifts.append(Shift(computed: computed, prompt: next.tokens, guessed: previous.upcoming.map(engine.tokenCount) ?? 0))
                }
                previous = next
                try teller.act(["open the gate", "look around", "light a torch"][turn % 3], mode: .do)
                do {
                    _ = try teller.writeReply(with: engine, random: &random)
                } catch StoryError.noReply {
                    try teller.edit(turn: teller.adventure.turns.count, reply: "Nothing happens.")
                }
            }
            return (teller.adventure, shifts)
        }
        let (second, shifts) = try play(upcoming: true)
        let (plain, plainShifts) = try play(upcoming: false)
        #expect(second == plain)
        #expect(shifts.count >= 3 && shifts.count == plainShifts.count, "\(shifts.count) shifts")
        // With the second cache a shift computes only what follows the text guessed a turn
        // before; without it, everything after the memory.
        for (index, (shift, plainShift)) in zip(shifts, plainShifts).enumerated() {
            #expect(shift.guessed > 50 && shift.computed <= shift.prompt - shift.guessed + 1, "shift \(index): \(shift)")
            #expect(plainShift.computed >= shift.computed + shift.guessed - 12, "shift \(index): \(plainShift) vs \(shift)")
        }
    }
}

extension ReadAheadTests {
    /// The player quits and comes back: the cache saved on quitting is taken back by the new
    /// run's engine, whose first turn computes only the action, and writes what the engine
    /// that never stopped writes.
    @Test func aStoryComesBackWithItsCache() throws {
        let folder = try ScratchFolder()
        try RandomCheckpoint.write(to: folder.url, positions: 512)
        let location = SavedCacheLocation(url: folder.url.appendingPathComponent("saved/story.kv"), identity: 5)
        func engine() throws -> TextEngine {
            let engine = try TextEngine(directory: folder.url)
            #expect(engine.savedCache?.url.path.contains("/dungeon/prompts/") == true)
            engine.savedCache = location
            return engine
        }
        var teller = StoryTeller(adventure: Adventure(title: "Back", opening: "You wake in a cold cell.",
                                                      memory: ["You are a thief."], authorsNote: "Keep it grim."))
        try teller.setSettings(GenerationSettings(replyLength: 24))
        let first = try engine()
        var random = SeededSeeds(state: 9)
        for action in ["pick the lock", "listen at the door", "slip outside"] {
            try teller.act(action, mode: .do)
            _ = try teller.writeReply(with: first, random: &random)
        }
        _ = try first.readAhead(prompt: try teller.nextPrompt(counter: first, window: first.contextLength).text) { false }
        try first.saveCache()

        let second = try engine()
        #expect(second.restoreSavedCache() > 50)
        var stayed = teller, cameBack = teller
        var (stayedRandom, backRandom) = (random, random)
        try stayed.act("run", mode: .do)
        _ = try stayed.writeReply(with: first, random: &stayedRandom)
        try cameBack.act("run", mode: .do)
        let counting = CountingGenerator(engine: second)
        _ = try cameBack.writeReply(with: counting, random: &backRandom)
        #expect(cameBack.adventure == stayed.adventure)
        #expect((counting.firstComputed ?? 99) <= 6, "computed \(counting.firstComputed ?? -1) after Enter")
    }
}

/// Passes generations to the engine and notes how many prompt tokens the first one of a
/// reply computed (the player's wait).
final class CountingGenerator: TextGenerator {
    let engine: TextEngine
    var firstComputed: Int?
    init(engine: TextEngine) { self.engine = engine }
    var contextLength: Int { engine.contextLength }
    var modelName: String { engine.modelName }
    func tokenCount(_ text: String) -> Int { engine.tokenCount(text) }
    func generate(prompt: String, settings: GenerationSettings, seed: UInt64, stopSequences: [String],
                  onText: (String) -> Bool) throws -> GeneratedText {
        let generated = try engine.generate(prompt: prompt, settings: settings, seed: seed, stopSequences: stopSequences, onText: onText)
        if firstComputed == nil { firstComputed = engine.lastPromptTokensComputed }
        return generated
    }
}
