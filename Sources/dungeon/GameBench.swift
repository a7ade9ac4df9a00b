import Engine
import Foundation
import GPT2
import Remote
import Storage
import Story

/// `dungeon bench --game`: the player's wait, measured over a scripted adventure (memory,
/// four world-info entries triggered now and then, an author's note, the player quitting and
/// coming back half way): per turn, Enter → first token, the prompt tokens computed after
/// Enter, and the reply's tokens per second; then p50 / p95 / max. Played with the same
/// seeds without and with reading ahead, where the player is assumed to read and type for
/// as long as reading ahead takes (at most 5 s, as after loading a long adventure), then
/// reading ahead with recall on. Reading ahead is what the game does: the next prompt, the
/// action's finished words as they are typed, and the prompt the story will have once old
/// turns drop out (a second cache). Each turn is saved to a save file as the game saves it
/// (the action before its reply is asked for, inside the measured wait).
struct GameBench {
    /// A new model as the game loads it: the local engine, or a connection to a backend.
    let makeModel: () throws -> any GameModel
    let turns: Int
    /// `--preset` and sampler flags, applied to the scripted adventure's samplers.
    var samplers: SamplerOptions? = nil

    struct Turn {
        var firstToken: Double
        /// nil where a backend does not say.
        var computed: Int?
        var tokensPerSecond: Double
    }

    static let actions = [
        "look around", "walk towards the tower", "\"Is anyone there?\" I call", "light a torch", "",
        "climb the stairs to the library", "search the shelves for a map", "ask the old guild master about the dragon",
        "follow the river east", "rest by the fire", "", "open the iron door", "greet the queen's messenger",
        "draw my sword", "read the letter again",
    ]

    static func adventure() -> Adventure {
        var adventure = Adventure(
            title: "Benchmark", scenario: "custom",
            opening: "You are a courier of the river kingdom, carrying a sealed letter to a tower no one has entered in years. "
                + "Rain falls on the road behind you, and ahead the tower's windows are dark.",
            memory: ["You are a courier named Ardo.", "The letter must reach the queen before the new moon."],
            worldInfo: [WorldInfoEntry(keys: ["tower"], text: "The tower was built by the first queen and sealed after her death."),
                        WorldInfoEntry(keys: ["guild"], text: "The couriers' guild pays in silver and asks no questions."),
                        WorldInfoEntry(keys: ["dragon"], text: "A dragon sleeps beneath the eastern hills."),
                        WorldInfoEntry(keys: ["queen"], text: "The queen has not been seen in public for a year.")],
            authorsNote: "Write in second person; keep it tense and concrete.")
        adventure.settings.replyLength = 40
        return adventure
    }

    func run() throws {
        print("game:    \(turns) turns, replies of up to 40 tokens, a save reloaded after turn \(turns / 2)")
        var plays = [("off", try play(readingAhead: false, recall: false)),
                     ("on", try play(readingAhead: true, recall: false)),
                     ("on, recall on", try play(readingAhead: true, recall: true))]
        if let remote = try makeModel() as? RemoteGenerator, remote.server.program == .llamaCpp {
            // The server's own prompt cache, off: each turn's request reads the whole prompt.
            plays.insert(("off, server's prompt cache off", try play(readingAhead: false, recall: false, promptCache: false)), at: 0)
        }
        for (label, results) in plays.map({ ("reading ahead \($0.0)", $0.1) }) {
            print("\n\(label):")
            print("  turn  first token  computed  tok/s")
            for (index, turn) in results.enumerated() {
                print(String(format: "  %4d  %9.3f s  %8@  %5.1f", index + 1, turn.firstToken, turn.computed.map { "\($0)" } ?? "?",
                             turn.tokensPerSecond))
            }
        }
        print("\n| reading ahead | Enter → first token p50 / p95 / max | prompt tokens computed after Enter p50 / p95 / max | generation tok/s p50 |")
        print("|---|---|---|---|")
        for (label, results) in plays {
            let waits = results.map(\.firstToken), computed = results.compactMap { $0.computed.map(Double.init) }
            let counts = computed.isEmpty ? "? (the server does not say)"
                : String(format: "%.0f / %.0f / %.0f", percentile(computed, 0.5), percentile(computed, 0.95), computed.max() ?? 0)
            print(String(format: "| %@ | %.3f / %.3f / %.3f s | %@ | %.1f |", label,
                         percentile(waits, 0.5), percentile(waits, 0.95), waits.max() ?? 0, counts,
                         percentile(results.map(\.tokensPerSecond), 0.5)))
        }
    }

    private func play(readingAhead: Bool, recall: Bool, promptCache: Bool = true) throws -> [Turn] {
        let saves = FileManager.default.temporaryDirectory.appendingPathComponent("dungeon-game-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: saves, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: saves) }
        func load() throws -> any GameModel {
            let model = try makeModel()
            (model as? RemoteGenerator)?.cachePrompt = promptCache
            // The cache kept between runs goes beside the bench's save, not the player's.
            if let engine = model as? TextEngine, let kept = engine.savedCache {
                engine.savedCache = SavedCacheLocation(url: saves.appendingPathComponent("cache.kv"), identity: kept.identity)
            }
            return model
        }
        var engine = try load()
        var adventure = Self.adventure()
        if let samplers, !samplers.isEmpty { adventure.settings = try samplers.apply(to: adventure.settings) }
        var teller = StoryTeller(adventure: adventure)
        let database = try SaveDatabase(path: saves.appendingPathComponent("dungeon.sqlite").path)
        let id = try database.create(adventure)
        var saved = teller.adventure.revision
        func save() throws {
            try database.save(teller.adventure, id: id, since: saved)
            saved = teller.adventure.revision
        }
        let recallIndex: (any StoryIndex)? = recall ? SavedStoryIndex(database: database, adventureID: id) : nil
        var random = SplitMix64(seed: 11)
        var results: [Turn] = []
        let clock = ContinuousClock()
        for index in 0..<turns {
            if index == turns / 2 {
                // The player quits and comes back: the game keeps the engine's cache on quitting
                // and takes it back after loading (a backend keeps its own cache).
                try engine.saveCache()
                engine = try load()
                engine.restoreSavedCache()
            }
            let input = Self.actions[index % Self.actions.count]
            if readingAhead {
                // The player reads the reply and types; the engine reads ahead meanwhile.
                let start = clock.now
                try readAhead(engine: engine, teller: teller, typing: input, recall: recallIndex) { clock.now - start > .seconds(5) }
            }
            let generator = TimedGenerator(engine: engine)
            generator.enter = clock.now
            try teller.act(input, mode: input.hasPrefix("\"") ? .say : .do)
            try save()
            do {
                _ = try teller.writeReply(with: generator, random: &random, recall: recallIndex)
            } catch StoryError.noReply {
                try teller.edit(turn: teller.adventure.turns.count, reply: "Nothing happens.")
            }
            try save()
            results.append(Turn(firstToken: generator.firstToken.map { ($0 - generator.enter).seconds } ?? 0,
                                computed: generator.computed, tokensPerSecond: generator.tokensPerSecond ?? 0))
        }
        return results
    }
}

extension GameBench {
    /// What the game reads while the player reads the reply and types `input`: the next
    /// prompt, then the prompt each finished word of the action makes (the game reads one as
    /// each space is typed), then, with the time left, the upcoming text into the second cache.
    /// In the game a word typed while the second cache is read waits for the chunk under way
    /// (at most 64 tokens); here the words come first.
    func readAhead(engine: any GameModel, teller: StoryTeller, typing input: String, recall: (any StoryIndex)?,
                   shouldStop: () -> Bool) throws {
        var prompt = try teller.nextPrompt(counter: engine, window: engine.contextLength, recall: recall)
        _ = try engine.readAhead(prompt: prompt.text, upcoming: nil, shouldStop: shouldStop, stopMidChunk: nil)
        let words = input.split(separator: " ")
        for count in stride(from: 1, to: words.count, by: 1) where !shouldStop() {
            let typed = words.prefix(count).joined(separator: " ")
            guard let typedPrompt = try? teller.prompt(forAction: typed, mode: input.hasPrefix("\"") ? .say : .do, counter: engine,
                                                       window: engine.contextLength, recall: recall) else { break }
            prompt = typedPrompt
            _ = try engine.readAhead(prompt: prompt.text, upcoming: nil, shouldStop: shouldStop, stopMidChunk: nil)
        }
        _ = try engine.readAhead(prompt: prompt.text, upcoming: prompt.upcoming, shouldStop: shouldStop, stopMidChunk: nil)
    }
}

/// Passes a reply's generations to the engine, timing the first piece of text after Enter,
/// and counting every token generated and the time it took.
final class TimedGenerator: TextGenerator {
    let engine: any GameModel
    var enter = ContinuousClock.now
    private(set) var firstToken: ContinuousClock.Instant?
    private(set) var computed: Int?
    private(set) var tokensPerSecond: Double?
    private(set) var tokens = 0
    private(set) var seconds = 0.0

    init(engine: any GameModel) { self.engine = engine }
    var contextLength: Int { engine.contextLength }
    var modelName: String { engine.modelName }
    func tokenCount(_ text: String) -> Int { engine.tokenCount(text) }

    func generate(prompt: String, settings: GenerationSettings, seed: UInt64, stopSequences: [String],
                  onText: (String) -> Bool) throws -> GeneratedText {
        let start = ContinuousClock.now
        defer { seconds += (ContinuousClock.now - start).seconds }
        let generated = try engine.generate(prompt: prompt, settings: settings, seed: seed, stopSequences: stopSequences) { piece in
            if firstToken == nil { firstToken = ContinuousClock.now }
            return onText(piece)
        }
        if computed == nil { computed = engine.promptTokensComputed }
        if tokensPerSecond == nil { tokensPerSecond = generated.tokensPerSecond }
        tokens += generated.tokenCount
        return generated
    }
}

func percentile(_ values: [Double], _ fraction: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
}
