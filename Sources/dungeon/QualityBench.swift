import Engine
import Foundation
import GPT2
import Story

/// `dungeon bench --quality`: the same scripted adventure (GameBench's opening and actions,
/// 60-token replies) played with each preset over the same seeds; one row per preset of
/// what a player notices. Each reply is the sampler's first attempt (the loop guard does not
/// retry here, so it cannot hide what the sampler wrote); "loop-guard rejections" counts the
/// replies the guard would have turned down and written again.
struct QualityBench {
    let engine: TextEngine
    let presets: [SamplerPreset]
    let seeds: Int
    let turns: Int

    struct Totals {
        var replies = 0
        var empty = 0
        var repeating = 0
        var distinct2 = 0.0
        var distinct3 = 0.0
        var cut = 0
        var rejections = 0
        var slips = 0
        var words = 0
        var tokens = 0
        var seconds = 0.0
    }

    func run() throws {
        print("quality: \(turns) turns × \(seeds) seeds per preset, replies of up to 60 tokens, first attempts (no loop-guard retries)")
        print("\n| preset | repeats a recent 4-gram | distinct-2 | distinct-3 | cut mid-sentence | loop-guard rejections | of them empty | first-person slips | words per reply | tok/s |")
        print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
        for preset in presets {
            var totals = Totals()
            for seed in 0..<seeds { try play(preset, seed: UInt64(seed) + 1, into: &totals) }
            // Shares of replies written; the rejections and empties of every attempt.
            let n = Double(max(1, totals.replies)), attempts = Double(max(1, totals.replies + totals.empty))
            print(String(format: "| %@ | %.1f %% | %.3f | %.3f | %.1f %% | %.1f %% | %.1f %% | %.1f %% | %.1f | %.1f |",
                         preset.name, 100 * Double(totals.repeating) / n, totals.distinct2 / n, totals.distinct3 / n,
                         100 * Double(totals.cut) / n, 100 * Double(totals.rejections) / attempts,
                         100 * Double(totals.empty) / attempts, 100 * Double(totals.slips) / n,
                         Double(totals.words) / n, Double(totals.tokens) / max(1e-9, totals.seconds)))
        }
    }

    private func play(_ preset: SamplerPreset, seed: UInt64, into totals: inout Totals) throws {
        var adventure = GameBench.adventure()
        adventure.settings = preset.applied(to: adventure.settings)
        adventure.settings.replyLength = 60
        var teller = StoryTeller(adventure: adventure)
        teller.loopRetries = 0
        var random = SplitMix64(seed: seed)
        var recent: [[String]] = []
        let generator = TimedGenerator(engine: engine)
        for turn in 0..<turns {
            let input = GameBench.actions[(turn + Int(seed)) % GameBench.actions.count]
            try teller.act(input, mode: input.isEmpty ? .continue : input.hasPrefix("\"") ? .say : .do)
            let outcome: ReplyOutcome
            do {
                outcome = try teller.writeReply(with: generator, random: &random)
            } catch StoryError.noReply {
                totals.empty += 1
                totals.rejections += 1
                _ = teller.takeBackUnansweredAction()
                continue
            }
            guard let reply = outcome.reply?.text else { continue }
            let words = Self.words(reply)
            totals.replies += 1
            if outcome.repetitive || (teller.adventure.guardsPerson && PersonGuard.slips(reply)) { totals.rejections += 1 }
            totals.words += words.count
            if Self.repeatsFourGram(words, recent: recent.suffix(3)) { totals.repeating += 1 }
            totals.distinct2 += Self.distinct(words, 2)
            totals.distinct3 += Self.distinct(words, 3)
            if !OutputCleaner.clean(reply).endsSentence { totals.cut += 1 }
            if PersonGuard.slips(reply) { totals.slips += 1 }
            recent.append(words)
        }
        totals.tokens += generator.tokens
        totals.seconds += generator.seconds
    }

    static func words(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "'" }).map(String.init)
    }

    static func grams(_ words: [String], _ n: Int) -> [String] {
        words.count < n ? [] : (0...(words.count - n)).map { words[$0..<($0 + n)].joined(separator: " ") }
    }

    /// Whether the reply has a 4-gram that one of the previous three replies had.
    static func repeatsFourGram(_ words: [String], recent: ArraySlice<[String]>) -> Bool {
        let earlier = Set(recent.flatMap { grams($0, 4) })
        return grams(words, 4).contains(where: earlier.contains)
    }

    /// Distinct n-grams over all n-grams within one reply (1 for a reply too short to have any).
    static func distinct(_ words: [String], _ n: Int) -> Double {
        let all = grams(words, n)
        return all.isEmpty ? 1 : Double(Set(all).count) / Double(all.count)
    }
}
