import Foundation

/// One step that reshapes the logits before a token is drawn.
public protocol LogitProcessor: Sendable {
    func process(_ logits: inout [Float], history: ArraySlice<Int>)
}

/// CTRL's repetition penalty: each distinct token of the recent history is made less
/// likely by dividing a positive logit, or multiplying a negative one, by the penalty.
/// (Dividing a negative logit would make the token *more* likely.)
public struct RepetitionPenalty: LogitProcessor {
    public var penalty: Float
    public var window: Int

    public func process(_ logits: inout [Float], history: ArraySlice<Int>) {
        guard penalty != 1, window > 0 else { return }
        var seen = Set<Int>()
        for token in history.suffix(window) where logits.indices.contains(token) && seen.insert(token).inserted {
            let logit = logits[token]
            logits[token] = logit > 0 ? logit / penalty : logit * penalty
        }
    }
}

/// Makes some tokens impossible (for example `<|endoftext|>` mid-story).
public struct BannedTokens: LogitProcessor {
    public var tokens: Set<Int>

    public func process(_ logits: inout [Float], history: ArraySlice<Int>) {
        for token in tokens where logits.indices.contains(token) { logits[token] = -.infinity }
    }
}

/// Divides every logit by the temperature.
public struct Temperature: LogitProcessor {
    public var value: Float

    public func process(_ logits: inout [Float], history: ArraySlice<Int>) {
        guard value != 1 else { return }
        let inverse = 1 / value
        for i in logits.indices { logits[i] *= inverse }
    }
}

/// Chooses the next token: repetition penalty, banned tokens, then either the most likely
/// token (greedy) or temperature, top-k, top-p and a draw from the seeded generator, in
/// that order. Same seed, settings and logits: same token, on every run.
public struct Sampler: Sendable {
    public var settings: SamplingSettings
    public var banned: Set<Int>
    private var random: SplitMix64

    public init(settings: SamplingSettings, seed: UInt64, banned: Set<Int> = []) {
        self.settings = settings
        self.banned = banned
        self.random = SplitMix64(seed: seed)
    }

    /// The processors applied before choosing, in order.
    public var processors: [any LogitProcessor] {
        var steps: [any LogitProcessor] = [
            RepetitionPenalty(penalty: settings.repetitionPenalty, window: settings.repetitionWindow),
            BannedTokens(tokens: banned),
        ]
        if !settings.greedy { steps.append(Temperature(value: settings.temperature)) }
        return steps
    }

    public mutating func sample(_ logits: [Float], history: ArraySlice<Int>) -> Int {
        var logits = logits
        for processor in processors { processor.process(&logits, history: history) }
        if settings.greedy { return Self.argmax(logits) }
        let candidates = Self.nucleus(logits, topK: settings.topK, topP: settings.topP)
        guard let maximum = candidates.first?.logit, maximum > -.infinity else { return Self.argmax(logits) }
        let weights = candidates.map { expf($0.logit - maximum) }
        let total = weights.reduce(0, +)
        var threshold = random.nextUnitFloat() * total
        for (i, weight) in weights.enumerated() {
            threshold -= weight
            if threshold < 0 { return candidates[i].token }
        }
        return candidates.last!.token  // rounding left a sliver past the last candidate
    }

    /// The index of the largest logit (the first, on ties).
    public static func argmax(_ logits: [Float]) -> Int {
        var best = 0
        for i in logits.indices where logits[i] > logits[best] { best = i }
        return best
    }

    /// The top-k tokens, then the smallest prefix of them whose probability reaches `topP`,
    /// most likely first. Ties keep the lower token id first, so the order is deterministic.
    static func nucleus(_ logits: [Float], topK: Int, topP: Float) -> [(token: Int, logit: Float)] {
        var candidates: [(token: Int, logit: Float)]
        let before = { (a: (token: Int, logit: Float), b: (token: Int, logit: Float)) in
            a.logit > b.logit || (a.logit == b.logit && a.token < b.token)
        }
        if topK > 0 && topK < logits.count {
            candidates = topKCandidates(logits, k: topK, before: before)
        } else if topP < 1, logits.count > partialCount, let nucleus = partialNucleus(logits, topP: topP, before: before) {
            return nucleus
        } else {
            candidates = logits.enumerated().compactMap { $0.element > -.infinity ? ($0.offset, $0.element) : nil }
        }
        candidates.sort(by: before)
        guard topP < 1, let maximum = candidates.first?.logit else { return candidates }
        let weights = candidates.map { expf($0.logit - maximum) }
        let total = weights.reduce(0, +)
        var cumulative: Float = 0
        for (i, weight) in weights.enumerated() {
            cumulative += weight / total
            if cumulative >= topP { return Array(candidates[...i]) }
        }
        return candidates
    }

    /// Candidates sorted when top-p runs without top-k, before falling back to all of them.
    static let partialCount = 512

    /// Top-p without top-k, sorting only the `partialCount` best tokens: nearly all of the
    /// probability sits in a few hundred of GPT-2's 50,257. Nil when those do not reach `topP`
    /// (the caller then sorts everything).
    private static func partialNucleus(
        _ logits: [Float], topP: Float, before: ((token: Int, logit: Float), (token: Int, logit: Float)) -> Bool
    ) -> [(token: Int, logit: Float)]? {
        let best = topKCandidates(logits, k: partialCount, before: before).sorted(by: before)
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
    private static func topKCandidates(
        _ logits: [Float], k: Int, before: ((token: Int, logit: Float), (token: Int, logit: Float)) -> Bool
    ) -> [(token: Int, logit: Float)] {
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
