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

    public mutating func sample(_ logits: [Float], history: ArraySlice<Int>) -> Int {
        sample(logits, history: history, alsoBanned: [])
    }

    /// As `sample`, with `alsoBanned` impossible at this step only (a phrase ban's rewind).
    public mutating func sample(_ logits: [Float], history: ArraySlice<Int>, alsoBanned: Set<Int>) -> Int {
        var logits = logits
        return sample(consuming: &logits, history: history, alsoBanned: alsoBanned)
    }

    /// As `sample`, reshaping `logits` in place (the engine's, which it replaces after each
    /// token: no copy of the vocabulary).
    public mutating func sample(consuming logits: inout [Float], history: ArraySlice<Int>, alsoBanned: Set<Int> = []) -> Int {
        if !settings.logitBias.isEmpty { LogitBias(bias: settings.logitBias).process(&logits, history: history) }
        RepetitionPenalty(penalty: settings.repetitionPenalty, window: settings.repetitionWindow, slope: settings.repetitionSlope,
                          presence: settings.presencePenalty, frequency: settings.frequencyPenalty).process(&logits, history: history)
        if settings.dry.isOn { DontRepeatYourself(settings: settings.dry, contextLength: contextLength).process(&logits, history: history) }
        for token in banned where logits.indices.contains(token) { logits[token] = -.infinity }
        for token in alsoBanned where logits.indices.contains(token) { logits[token] = -.infinity }
        if settings.greedy { return Self.argmax(logits) }
        var candidates = Candidates(logits: logits)
        logits = []  // the candidates own the only copy, so stages change it in place
        // Tokens further than this below the best never matter (see `Candidates.materialize`);
        // a temperature above 1 still to come brings them closer.
        var margin: Float = 30 * max(1, settings.temperature)
        for stage in settings.order {
            apply(stage, to: &candidates, margin: margin)
            if stage == .temperature { margin = 30 }
        }
        // A list still in token order (min-p's) is drawn from in that order, which is as
        // deterministic as sorting and cheaper when thousands of tokens are left; a sorted
        // list, or the whole vocabulary, is drawn most likely first, as it always was.
        if candidates.list == nil && candidates.inTokenOrder { return draw(inTokenOrder: candidates.logits) }
        let list = candidates.sorted || candidates.list == nil ? candidates.sort(margin: .infinity) : candidates.materialize(margin: .infinity)
        var maximum = -Float.infinity
        for candidate in list where candidate.logit > maximum { maximum = candidate.logit }
        guard maximum > -.infinity else { return Self.argmax(candidates.logits) }
        let weights = list.map { expf($0.logit - maximum) }
        let total = weights.reduce(0, +)
        var threshold = random.nextUnitFloat() * total
        for (i, weight) in weights.enumerated() {
            threshold -= weight
            if threshold < 0 { return list[i].token }
        }
        return list.last!.token  // rounding left a sliver past the last candidate
    }

    /// The k best candidates (unordered) found through a floor guessed from every 64th
    /// logit: every logit at or above the floor is collected in one skipping pass, and when
    /// at least k are, the k best of them are the k best of all (each logit left out is below
    /// each one kept). Nil when the guess kept fewer than k (the heap then does it).
    static func topKBySampling(_ logits: [Float], k: Int) -> [(token: Int, logit: Float)]? {
        let count = logits.count
        guard k > 0, k * 16 <= count else { return nil }
        // The r-th largest of the samples, r chosen so that about 2k logits reach it.
        let sampleCount = (count + 63) / 64
        let rank = min(sampleCount, max(1, (2 * k * sampleCount + count - 1) / count))
        var best: [Float] = []  // the `rank` largest samples, largest first
        best.reserveCapacity(rank + 1)
        var i = 0
        while i < count {
            let value = logits[i]
            if value > -.infinity && (best.count < rank || value > best[best.count - 1]) {
                let at = best.firstIndex { value > $0 } ?? best.count
                best.insert(value, at: at)
                if best.count > rank { best.removeLast() }
            }
            i += 64
        }
        guard best.count == rank, let floor = best.last else { return nil }
        var kept: [(token: Int, logit: Float)] = []
        logits.withUnsafeBufferPointer { logits in
            LogitScan.forEach(in: logits, atLeast: { floor }) { kept.append(($0, $1)) }
        }
        guard kept.count >= k else { return nil }
        var heap = TopKHeap(k: k)
        for candidate in kept where heap.admits(candidate.logit) { heap.offer(candidate) }
        return heap.items
    }

    /// A draw from every token above -inf, weighted exp(logit - max), walking in token order:
    /// the same weights, sums and order as drawing from a min-p list.
    mutating func draw(inTokenOrder logits: [Float]) -> Int {
        let count = logits.count
        let blocks = (count + 15) / 16
        // Tens of thousands of survivors (a flat distribution): the weights 16 at a time, each
        // block's sum kept, so the walk skips whole blocks.
        var weights = [Float](repeating: 0, count: blocks * 16)
        var blockSums = [Float](repeating: 0, count: blocks)
        let maximum = logits.withUnsafeBufferPointer(LogitScan.maximum)
        guard maximum > -.infinity else { return 0 }
        logits.withUnsafeBufferPointer { logits in
            weights.withUnsafeMutableBufferPointer { weights in
                let (source, target) = (UnsafeRawPointer(logits.baseAddress!), UnsafeMutableRawPointer(weights.baseAddress!))
                for block in 0..<blocks {
                    let i = block * 16
                    var values: LogitScan.Block
                    if i + 16 <= count {
                        values = source.loadUnaligned(fromByteOffset: i * 4, as: LogitScan.Block.self)
                    } else {
                        values = LogitScan.Block(repeating: -.infinity)
                        for lane in 0..<(count - i) { values[lane] = logits[i + lane] }
                    }
                    let exps = LogitScan.exp(values - maximum)
                    target.storeBytes(of: exps, toByteOffset: i * 4, as: LogitScan.Block.self)
                    blockSums[block] = exps.sum()
                }
            }
        }
        var total: Float = 0
        for sum in blockSums { total += sum }
        var threshold = random.nextUnitFloat() * total
        var lastBlock = 0
        for block in 0..<blocks where blockSums[block] > 0 {
            lastBlock = block
            if threshold >= blockSums[block] {
                threshold -= blockSums[block]
                continue
            }
            var chosen = block * 16
            for token in (block * 16)..<min(count, block * 16 + 16) where weights[token] > 0 {
                chosen = token
                threshold -= weights[token]
                if threshold < 0 { return token }
            }
            return chosen  // rounding inside the block
        }
        // Rounding left a sliver past the last block: its last token with a weight.
        let last = ((lastBlock * 16)..<min(count, lastBlock * 16 + 16)).last { weights[$0] > 0 } ?? 0
        return last  // rounding left a sliver past the last candidate
    }

    /// The index of the largest logit (the first, on ties).
    public static func argmax(_ logits: [Float]) -> Int {
        let maximum = logits.withUnsafeBufferPointer(LogitScan.maximum)
        // A NaN never compares equal: then the first index, as a plain loop would have given.
        return logits.firstIndex(of: maximum) ?? 0
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
    /// all 50,257 logits for every token; blocks with no logit above the worst kept one are
    /// skipped whole.
    static func topKCandidates(_ logits: [Float], k: Int) -> [(token: Int, logit: Float)] {
        if let quick = topKBySampling(logits, k: k) { return quick }
        var heap = TopKHeap(k: k)
        logits.withUnsafeBufferPointer { logits in
            LogitScan.forEach(in: logits, atLeast: { heap.floor }) { heap.offer(($0, $1)) }
        }
        return heap.items
    }
}

/// The k best candidates seen, by `Candidates.before`: a binary min-heap whose root is the
/// worst kept, so most candidates cost one comparison.
struct TopKHeap {
    let k: Int
    private(set) var items: [(token: Int, logit: Float)] = []

    init(k: Int) {
        self.k = k
        items.reserveCapacity(k)
    }

    /// Logits below this cannot get in.
    var floor: Float { items.count < k ? -.infinity : items[0].logit }

    func admits(_ logit: Float) -> Bool { logit >= floor }

    mutating func offer(_ candidate: (token: Int, logit: Float)) {
        let before = Candidates.before
        if items.count < k {
            items.append(candidate)
            var i = items.count - 1
            while i > 0 && before(items[(i - 1) / 2], items[i]) {
                items.swapAt(i, (i - 1) / 2)
                i = (i - 1) / 2
            }
        } else if before(candidate, items[0]) {
            items[0] = candidate
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var worst = i
                if l < items.count && before(items[worst], items[l]) { worst = l }
                if r < items.count && before(items[worst], items[r]) { worst = r }
                if worst == i { return }
                items.swapAt(i, worst)
                i = worst
            }
        }
    }
}
