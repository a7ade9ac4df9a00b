import Foundation

/// Chooses the next token. First, over the whole vocabulary: logit bias, the repetition,
/// presence and frequency penalties, DRY, and banned tokens. Then either the most likely
/// token (greedy), or the stages of `settings.order` (temperature, top-k, top-p, min-p,
/// typical, tail-free, top-a, XTC; each off at its neutral value) and a draw from the seeded
/// generator. Same seed, settings, history and logits: same token, on every run.
public struct Sampler: Sendable {
    public var settings: SamplingSettings
    public var banned: Set<Int>
    var random: SplitMix64
    /// The model's window, for DRY's "whole history" range.
    public var contextLength: Int

    public init(settings: SamplingSettings, seed: UInt64, banned: Set<Int> = [], contextLength: Int = 1024) {
        self.settings = settings
        self.banned = banned
        self.random = SplitMix64(seed: seed)
        self.contextLength = contextLength
    }

    /// The processors applied to the whole vocabulary before choosing, in order.
    public var processors: [any LogitProcessor] {
        var steps: [any LogitProcessor] = []
        if !settings.logitBias.isEmpty { steps.append(LogitBias(bias: settings.logitBias)) }
        steps.append(RepetitionPenalty(
            penalty: settings.repetitionPenalty, window: settings.repetitionWindow, slope: settings.repetitionSlope,
            presence: settings.presencePenalty, frequency: settings.frequencyPenalty))
        if settings.dry.isOn { steps.append(DontRepeatYourself(settings: settings.dry, contextLength: contextLength)) }
        steps.append(BannedTokens(tokens: banned))
        return steps
    }

    public mutating func sample(_ logits: [Float], history: ArraySlice<Int>) -> Int {
        sample(logits, history: history, alsoBanned: [])
    }

    /// As `sample`, with `alsoBanned` impossible at this step only (a phrase ban's rewind).
    public mutating func sample(_ logits: [Float], history: ArraySlice<Int>, alsoBanned: Set<Int>) -> Int {
        var logits = logits
        for processor in processors { processor.process(&logits, history: history) }
        for token in alsoBanned where logits.indices.contains(token) { logits[token] = -.infinity }
        if settings.greedy { return Self.argmax(logits) }
        var candidates = Candidates(logits: logits)
        // Tokens further than this below the best never matter (see `Candidates.materialize`);
        // a temperature above 1 still to come brings them closer.
        var margin: Float = 30 * max(1, settings.temperature)
        for stage in settings.order {
            apply(stage, to: &candidates, margin: margin)
            if stage == .temperature { margin = 30 }
        }
        let sorted = candidates.sort(margin: .infinity)
        guard let maximum = sorted.first?.logit, maximum > -.infinity else { return Self.argmax(logits) }
        let weights = sorted.map { expf($0.logit - maximum) }
        let total = weights.reduce(0, +)
        var threshold = random.nextUnitFloat() * total
        for (i, weight) in weights.enumerated() {
            threshold -= weight
            if threshold < 0 { return sorted[i].token }
        }
        return sorted.last!.token  // rounding left a sliver past the last candidate
    }

    /// Whether any token can still be drawn after the whole-vocabulary steps (a ban that
    /// matches every continuation leaves none).
    public static func anyPossible(_ logits: [Float]) -> Bool { logits.contains { $0 > -.infinity } }

    /// The index of the largest logit (the first, on ties).
    public static func argmax(_ logits: [Float]) -> Int {
        var best = 0
        for i in logits.indices where logits[i] > logits[best] { best = i }
        return best
    }

    /// The top-k tokens, then the smallest prefix of them whose probability reaches `topP`,
    /// most likely first. Ties keep the lower token id first, so the order is deterministic.
    static func nucleus(_ logits: [Float], topK: Int, topP: Float) -> [(token: Int, logit: Float)] {
        var candidates = Candidates(logits: logits)
        Self.topK(topK, &candidates)
        Self.topP(topP, &candidates)
        return candidates.sort(margin: .infinity)
    }

    /// Candidates sorted when top-p runs without top-k, before falling back to all of them.
    static let partialCount = 512

    /// Top-p without top-k, sorting only the `partialCount` best tokens: nearly all of the
    /// probability sits in a few hundred of GPT-2's 50,257. Nil when those do not reach `topP`
    /// (the caller then sorts everything).
    static func partialNucleus(_ logits: [Float], topP: Float) -> [(token: Int, logit: Float)]? {
        let before = Candidates.before
        let best = topKCandidates(logits, k: partialCount).sorted(by: before)
        guard let maximum = best.first?.logit, maximum > -.infinity else { return nil }
        var total: Float = 0
        for logit in logits where logit > -.infinity { total += expf(logit - maximum) }
        var cumulative: Float = 0
        for (i, candidate) in best.enumerated() {
            cumulative += expf(candidate.logit - maximum) / total
            if cumulative >= topP { return Array(best[...i]) }
        }
        return nil
    }

    /// The k best candidates in one pass with a small binary min-heap, rather than sorting
    /// all 50,257 logits for every token.
    static func topKCandidates(_ logits: [Float], k: Int) -> [(token: Int, logit: Float)] {
        let before = Candidates.before
        var heap: [(token: Int, logit: Float)] = []  // heap[0] is the worst kept candidate
        heap.reserveCapacity(k)
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let l = 2 * i + 1, r = l + 1
                var worst = i
                if l < heap.count && before(heap[worst], heap[l]) { worst = l }
                if r < heap.count && before(heap[worst], heap[r]) { worst = r }
                if worst == i { return }
                heap.swapAt(i, worst)
                i = worst
            }
        }
        for (token, logit) in logits.enumerated() where logit > -.infinity {
            let candidate = (token: token, logit: logit)
            if heap.count < k {
                heap.append(candidate)
                var i = heap.count - 1
                while i > 0 && before(heap[(i - 1) / 2], heap[i]) {
                    heap.swapAt(i, (i - 1) / 2)
                    i = (i - 1) / 2
                }
            } else if before(candidate, heap[0]) {
                heap[0] = candidate
                siftDown(0)
            }
        }
        return heap
    }
}
