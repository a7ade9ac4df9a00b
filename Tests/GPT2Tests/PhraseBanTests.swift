import Foundation
import Testing
import TestSupport
@testable import Engine
@testable import GPT2

/// Phrase bans rewind: the text never contains a banned phrase, what was shown is never taken
/// back (the streamed pieces are the result), the text before the phrase is what generation
/// without the ban wrote, and a ban that matches everything gives up cleanly.
@Suite struct PhraseBanTests {
    static func engine() throws -> (TextEngine, ScratchFolder) {
        let folder = try ScratchFolder()
        try RandomCheckpoint.write(to: folder.url, positions: 256, periodBias: 0)
        return (try TextEngine(directory: folder.url), folder)
    }

    static func request(_ bans: [String]) -> GenerationRequest {
        var request = GenerationRequest(maxTokens: 40, sampling: .greedy, seed: 1, stopAtEndOfText: false)
        request.bannedPhrases = bans
        return request
    }

    @Test func aBannedPhraseIsNeverWrittenNorShownThenTakenBack() throws {
        let (engine, folder) = try Self.engine()
        _ = folder
        let prompt = "You enter the cave and"
        let free = try engine.generate(prompt: prompt, request: Self.request([]))
        // Ban a stretch greedy decoding wrote, from its middle.
        let words = free.text.split(separator: " ", omittingEmptySubsequences: false)
        let phrase = words.count > 6 ? words[3...4].joined(separator: " ") : String(free.text.dropFirst(5).prefix(6))
        #expect(!phrase.isEmpty && free.text.contains(phrase))
        var shown = ""
        let banned = try engine.generate(prompt: prompt, request: Self.request([phrase.uppercased()])) { piece in
            shown += piece
            return true
        }
        #expect(!banned.text.lowercased().contains(phrase.lowercased()))
        #expect(banned.rewinds > 0)
        #expect(shown == banned.text)
        let before = free.text.range(of: phrase)!.lowerBound
        let common = free.text[..<before]
        // The ban changes nothing before the token where the phrase began (a token is at most
        // a dozen characters here).
        #expect(banned.text.hasPrefix(String(common.prefix(max(0, common.count - 12)))))
    }

    @Test func aBanOnEveryContinuationGivesUpCleanly() throws {
        let (engine, folder) = try Self.engine()
        _ = folder
        // Every token of GPT-2 has one of these letters or spaces... most do: the rewinds run out.
        var request = Self.request(["e", "a", "o", "i", " ", "t", "s", "n", "r"])
        request.maxRewinds = 5
        var shown = ""
        let result = try engine.generate(prompt: "Hello", request: request) { shown += $0; return true }
        #expect(result.stopReason == .bannedPhrase)
        #expect(result.rewinds == 6)
        #expect(shown == result.text)
        for letter in ["e", "a", "o", "i", " "] { #expect(!result.text.contains(letter)) }
    }

    @Test func tailFreeAndTopAByHand() {
        // Probabilities 0.5, 0.25, 0.125, 0.0625, 0.0625 (logits log p).
        let probabilities: [Float] = [0.5, 0.25, 0.125, 0.0625, 0.0625]
        let logits = probabilities.map { logf($0) }
        // Top-a 0.3: threshold 0.3 * 0.25 = 0.075 keeps the first three.
        var candidates = Candidates(logits: logits)
        Sampler.topA(0.3, &candidates, margin: .infinity)
        #expect(candidates.materialize(margin: .infinity).map(\.token) == [0, 1, 2])
        // Tail-free: first differences 0.25, 0.125, 0.0625, 0; second |0.125|, |0.0625|, |0.0625|,
        // normalised 0.5, 0.25, 0.25. z 0.6 passes at index 1: keep one token... index >= 1 keeps 1.
        candidates = Candidates(logits: logits)
        Sampler.tailFree(0.6, &candidates, margin: .infinity)
        #expect(candidates.materialize(margin: .infinity).map(\.token) == [0])
        // z 0.9: the sum passes 0.9 only at index 2: keep two.
        candidates = Candidates(logits: logits)
        Sampler.tailFree(0.9, &candidates, margin: .infinity)
        #expect(candidates.materialize(margin: .infinity).map(\.token) == [0, 1])
    }

    @Test func dryRangeZeroIsTheWholeWindow() {
        let history = [5, 6, 7, 8, 5, 6, 7, 9, 1, 5, 6, 7][...]
        var whole = [Float](repeating: 0, count: 16), explicit = whole
        DontRepeatYourself(settings: DRYSettings(multiplier: 1, range: 0), contextLength: 12).process(&whole, history: history)
        DontRepeatYourself(settings: DRYSettings(multiplier: 1, range: 12), contextLength: 12).process(&explicit, history: history)
        #expect(whole == explicit)
        // "5 6 7" repeats twice before: 8 and 9 would extend a 3-token repeat: 1.75^(3-2).
        #expect(abs(whole[8] + 1.75) < 1e-5 && abs(whole[9] + 1.75) < 1e-5)
        #expect(whole[5] == 0 && whole[1] == 0)
    }
}
