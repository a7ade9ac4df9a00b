import Foundation
import Testing
@testable import GPT2

@Suite struct SamplerTests {
    let logits: [Float] = [2.0, -1.0, 0.5, 3.0, -2.0, 1.0]

    @Test func repetitionPenaltyDividesPositiveAndMultipliesNegative() {
        var values = logits
        RepetitionPenalty(penalty: 2, window: 3).process(&values, history: [9, 0, 1, 1, 3][...])
        // Window holds tokens 1, 1, 3: token 1 (negative) is doubled once, token 3 (positive) halved.
        #expect(values == [2.0, -2.0, 0.5, 1.5, -2.0, 1.0])
    }

    @Test func repetitionPenaltyOnlyLooksAtTheWindow() {
        var values = logits
        RepetitionPenalty(penalty: 2, window: 1).process(&values, history: [0, 3][...])
        #expect(values[0] == 2.0)
        #expect(values[3] == 1.5)
    }

    @Test func greedyTakesTheMaximum() {
        var sampler = Sampler(settings: .greedy, seed: 1)
        #expect(sampler.sample(logits, history: []) == 3)
        var banning = Sampler(settings: .greedy, seed: 1, banned: [3])
        #expect(banning.sample(logits, history: []) == 0)
    }

    @Test func topKKeepsOnlyTheBest() {
        let kept = Sampler.nucleus(logits, topK: 2, topP: 1).map(\.token)
        #expect(kept == [3, 0])
        var sampler = Sampler(settings: SamplingSettings(temperature: 5, topK: 2, topP: 1, repetitionPenalty: 1), seed: 3)
        for _ in 0..<200 { #expect([0, 3].contains(sampler.sample(logits, history: []))) }
    }

    @Test func topPKeepsTheSmallestSufficientSet() {
        // Softmax of [3, 2, 1, ...]: 3 holds about 0.61 of the mass, 3 and 0 about 0.84.
        #expect(Sampler.nucleus(logits, topK: 0, topP: 0.5).map(\.token) == [3])
        #expect(Sampler.nucleus(logits, topK: 0, topP: 0.8).map(\.token) == [3, 0])
        #expect(Sampler.nucleus(logits, topK: 0, topP: 1).count == logits.count)
    }

    /// Top-p alone sorts only the best 512 tokens when they hold the mass, all of them when
    /// not: either way the most likely tokens in order, just enough of them to reach top-p
    /// (up to float rounding in the sums).
    /// Logits spread over ±500 and ±200 put the mass in a few hundred tokens (the partial
    /// sort); over ±10 they need thousands (the full one).
    @Test(arguments: [(Float(0.002), Float(0.9)), (0.005, 0.95), (0.1, 0.95)])
    func topPWithoutTopKAgreesWithSorting(spread: Float, topP: Float) {
        let many = randomFloats(50257, seed: 12).map { $0 / spread }
        let order = many.enumerated().sorted { $0.element > $1.element || ($0.element == $1.element && $0.offset < $1.offset) }
        let maximum = Double(order[0].element)
        let total = many.reduce(0.0) { $0 + exp(Double($1) - maximum) }
        let kept = Sampler.nucleus(many, topK: 0, topP: topP).map(\.token)
        #expect(kept == order.prefix(kept.count).map(\.offset))
        let mass = { (count: Int) in order.prefix(count).reduce(0.0) { $0 + exp(Double($1.element) - maximum) } / total }
        #expect(mass(kept.count) >= Double(topP) - 1e-4)
        #expect(mass(kept.count - 1) < Double(topP) + 1e-4)
    }

    @Test func topKHeapAgreesWithSorting() {
        let many = randomFloats(5000, seed: 11)
        let sorted = many.enumerated().sorted { $0.element > $1.element }.prefix(40).map(\.offset)
        #expect(Sampler.nucleus(many, topK: 40, topP: 1).map(\.token) == sorted)
    }

    /// Top-k through a floor guessed from samples, on logits full of ties (few distinct values)
    /// and on spread ones: the same tokens, in the same order, as sorting everything.
    @Test(arguments: [Float(1), 1000])
    func topKBySamplingAgreesWithSorting(levels: Float) {
        var random = SplitMix64(seed: 5)
        let many = (0..<50257).map { _ in (random.nextUnitFloat() * levels).rounded(.down) }
        let order = many.enumerated().sorted { $0.element > $1.element || ($0.element == $1.element && $0.offset < $1.offset) }
        for k in [1, 40, 100, 3000] {
            #expect(Sampler.nucleus(many, topK: k, topP: 1).map(\.token) == order.prefix(k).map(\.offset), "k \(k)")
        }
    }

    /// The 16-wide exp the flat-distribution draw uses agrees with expf, and is 0 for -inf.
    @Test func blockExpAgreesWithExpf() {
        var random = SplitMix64(seed: 9)
        for _ in 0..<2000 {
            let values = LogitScan.Block((0..<16).map { _ in (random.nextUnitFloat() - 0.95) * 100 })
            let fast = LogitScan.exp(values)
            for lane in 0..<16 {
                let exact = expf(values[lane])
                #expect(abs(fast[lane] - exact) <= max(1e-37, exact * 3e-7), "exp(\(values[lane]))")
            }
        }
        #expect(LogitScan.exp(LogitScan.Block(repeating: -.infinity)) == LogitScan.Block(repeating: 0))
    }

    /// Min-p over a flat distribution (thousands survive) masks the array instead of building
    /// a list; either way only tokens at least p times as likely as the best are drawn.
    @Test(arguments: [Float(0.5), 40])
    func minPDrawsOnlySurvivors(spread: Float) {
        var random = SplitMix64(seed: 3)
        let logits = (0..<50257).map { _ in random.nextUnitFloat() * spread }
        let maximum = logits.max()!
        var settings = SamplingSettings(temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1)
        settings.minP = 0.7
        settings.order = SamplerStage.koboldOrder
        var sampler = Sampler(settings: settings, seed: 4)
        for _ in 0..<200 {
            let token = sampler.sample(logits, history: [])
            #expect(logits[token] >= maximum + logf(0.7))
        }
    }

    /// The flat-distribution draw (thousands of survivors, weights 16 at a time) follows the
    /// softmax: the share of draws landing on the more likely half matches its mass.
    @Test func theFlatDrawFollowsTheDistribution() {
        var random = SplitMix64(seed: 8)
        let logits = (0..<4099).map { _ in random.nextUnitFloat() * 1.5 }
        var settings = SamplingSettings(temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1)
        settings.minP = 0.4
        settings.order = SamplerStage.koboldOrder
        let floor = logits.max()! + logf(0.4)
        let survivors = logits.indices.filter { logits[$0] >= floor }
        #expect(survivors.count > 2048)  // the masked path, not a list
        let median = survivors.map { logits[$0] }.sorted()[survivors.count / 2]
        let weight = { (i: Int) in Double(exp(logits[i])) }
        let upper = survivors.filter { logits[$0] >= median }.map(weight).reduce(0, +) / survivors.map(weight).reduce(0, +)
        var sampler = Sampler(settings: settings, seed: 2)
        var hits = 0
        let draws = 1500
        for _ in 0..<draws {
            let token = sampler.sample(logits, history: [])
            #expect(logits[token] >= floor)
            if logits[token] >= median { hits += 1 }
        }
        #expect(abs(Double(hits) / Double(draws) - upper) < 0.05)
    }

    @Test func sameSeedSameTokens() {
        let settings = SamplingSettings(temperature: 1.2, topK: 0, topP: 1, repetitionPenalty: 1)
        func draw(seed: UInt64) -> [Int] {
            var sampler = Sampler(settings: settings, seed: seed)
            return (0..<100).map { _ in sampler.sample(logits, history: []) }
        }
        #expect(draw(seed: 42) == draw(seed: 42))
        #expect(draw(seed: 42) != draw(seed: 43))
    }

    @Test func samplingFollowsTheDistribution() {
        // At temperature 1 without truncation, token frequencies approach the softmax.
        var sampler = Sampler(settings: SamplingSettings(temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1), seed: 5)
        var counts = [Int](repeating: 0, count: logits.count)
        let draws = 20000
        for _ in 0..<draws { counts[sampler.sample(logits, history: [])] += 1 }
        let total = logits.map { exp($0) }.reduce(0, +)
        for (token, logit) in logits.enumerated() {
            let expected = exp(logit) / total
            #expect(abs(Float(counts[token]) / Float(draws) - expected) < 0.015, "token \(token)")
        }
    }

    @Test func splitMix64IsTheReferenceSequence() {
        // First outputs of SplitMix64 seeded with 0 (from the reference C implementation).
        var random = SplitMix64(seed: 0)
        #expect(random.next() == 0xE220_A839_7B1D_CDAF)
        #expect(random.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    @Test func settingsAreValidated() {
        #expect(SamplingSettings().problem == nil)
        #expect(SamplingSettings(temperature: 0).problem != nil)
        #expect(SamplingSettings(topP: 1.5).problem != nil)
        #expect(SamplingSettings(repetitionPenalty: 0.5).problem != nil)
    }
}
