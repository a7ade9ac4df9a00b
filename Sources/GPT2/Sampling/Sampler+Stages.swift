import Foundation

/// The truncating stages and temperature, each over the candidates still in the running.
/// Definitions follow llama.cpp's samplers (min-p, typical, top-k, top-p, XTC, temperature)
/// and KoboldCpp's (top-a, tail-free), with `min_keep` 1.
extension Sampler {
    mutating func apply(_ stage: SamplerStage, to candidates: inout Candidates, margin: Float) {
        switch stage {
        case .temperature: Self.temperature(settings.temperature, &candidates)
        case .topK: Self.topK(settings.topK, &candidates)
        case .topP: Self.topP(settings.topP, &candidates)
        case .minP: Self.minP(settings.minP, &candidates)
        case .typical: Self.typical(settings.typicalP, &candidates, margin: margin)
        case .tailFree: Self.tailFree(settings.tailFree, &candidates, margin: margin)
        case .topA: Self.topA(settings.topA, &candidates, margin: margin)
        case .xtc: xtc(&candidates, margin: margin)
        }
    }

    /// Multiplies every logit by 1/temperature (as dungeon always has, which is what makes
    /// old stories replay exactly).
    static func temperature(_ value: Float, _ candidates: inout Candidates) {
        guard value != 1 else { return }
        let inverse = 1 / value
        if var list = candidates.list {
            for i in list.indices { list[i].logit *= inverse }
            candidates.replace(with: list, sorted: candidates.sorted)
        } else {
            candidates.logits.withUnsafeMutableBufferPointer { logits in
                for i in logits.indices { logits[i] *= inverse }
            }
        }
    }

    static func topK(_ k: Int, _ candidates: inout Candidates) {
        guard k > 0 else { return }
        if let list = candidates.list {
            guard list.count > k else { return }
            let sorted = candidates.sorted ? list : list.sorted(by: Candidates.before)
            candidates.replace(with: Array(sorted.prefix(k)), sorted: true)
        } else if k < candidates.logits.count {
            candidates.replace(with: topKCandidates(candidates.logits, k: k).sorted(by: Candidates.before), sorted: true)
        }
    }

    static func topP(_ p: Float, _ candidates: inout Candidates) {
        guard p < 1 else { return }
        if candidates.list == nil, candidates.logits.count > partialCount,
           let nucleus = partialNucleus(candidates.logits, topP: p) {
            candidates.replace(with: nucleus, sorted: true)
            return
        }
        // Every token, as top-p always summed them: old stories replay exactly.
        let sorted = candidates.sort(margin: .infinity)
        guard let maximum = sorted.first?.logit else { return }
        let weights = sorted.map { expf($0.logit - maximum) }
        let total = weights.reduce(0, +)
        var cumulative: Float = 0
        for (i, weight) in weights.enumerated() {
            cumulative += weight / total
            if cumulative >= p {
                candidates.replace(with: Array(sorted[...i]), sorted: true)
                return
            }
        }
    }

    /// Keeps tokens whose logit is at least the best's plus log(p): probability at least p
    /// times the best's. One pass, no sorting.
    static func minP(_ p: Float, _ candidates: inout Candidates) {
        guard p > 0 else { return }
        if let list = candidates.list {
            guard let maximum = list.map(\.logit).max() else { return }
            let floor = maximum + logf(p)
            candidates.replace(with: list.filter { $0.logit >= floor }, sorted: candidates.sorted)
        } else {
            // A few survivors become a list; thousands (a flat distribution) stay the array,
            // what falls below the floor masked to -inf. Both are drawn from in token order.
            var kept: [Candidates.Candidate]?
            candidates.logits.withUnsafeMutableBufferPointer { logits in
                let floor = LogitScan.maximum(UnsafeBufferPointer(logits)) + logf(p)
                let survivors = LogitScan.count(UnsafeBufferPointer(logits), atLeast: floor)
                if survivors <= 2048 {
                    var list: [Candidates.Candidate] = []
                    list.reserveCapacity(survivors)
                    LogitScan.forEach(in: UnsafeBufferPointer(logits), atLeast: { floor }) { list.append(($0, $1)) }
                    kept = list
                } else {
                    LogitScan.mask(logits, below: floor)
                }
            }
            if let kept { candidates.replace(with: kept, sorted: false) } else { candidates.inTokenOrder = true }
        }
    }

    /// Locally typical sampling: keeps the tokens whose surprise (-log p) is closest to the
    /// distribution's entropy, until their mass passes p.
    static func typical(_ p: Float, _ candidates: inout Candidates, margin: Float) {
        guard p < 1 else { return }
        let sorted = candidates.sort(margin: margin)
        let probabilities = Candidates.probabilities(sorted)
        var entropy: Float = 0
        for probability in probabilities where probability > 0 { entropy -= probability * logf(probability) }
        let shifted = probabilities.map { abs(-logf($0) - entropy) }
        let order = shifted.indices.sorted { shifted[$0] < shifted[$1] || (shifted[$0] == shifted[$1] && $0 < $1) }
        var cumulative: Float = 0
        var last = order.count
        for (i, index) in order.enumerated() {
            cumulative += probabilities[index]
            if cumulative > p {
                last = i + 1
                break
            }
        }
        candidates.replace(with: order.prefix(last).map { sorted[$0] }, sorted: false)
    }

    /// Tail-free sampling: cuts where the curvature of the sorted probabilities has
    /// accumulated z of its total (KoboldCpp's `sample_tail_free`).
    static func tailFree(_ z: Float, _ candidates: inout Candidates, margin: Float) {
        guard z < 1 else { return }
        let sorted = candidates.sort(margin: margin)
        guard sorted.count > 2 else { return }
        let probabilities = Candidates.probabilities(sorted)
        let first = (0..<(sorted.count - 1)).map { probabilities[$0] - probabilities[$0 + 1] }
        var second = (0..<(first.count - 1)).map { abs(first[$0] - first[$0 + 1]) }
        let total = second.reduce(0, +)
        for i in second.indices { second[i] = total > 1e-6 ? second[i] / total : 1 / Float(second.count) }
        var cumulative: Float = 0
        for (i, value) in second.enumerated() {
            cumulative += value
            if cumulative > z && i >= 1 {
                candidates.replace(with: Array(sorted.prefix(i)), sorted: true)
                return
            }
        }
    }

    /// Top-a: drops tokens whose probability is below a times the square of the best's.
    static func topA(_ a: Float, _ candidates: inout Candidates, margin: Float) {
        guard a > 0 else { return }
        let sorted = candidates.sort(margin: margin)
        guard sorted.count > 1 else { return }
        let probabilities = Candidates.probabilities(sorted)
        let threshold = a * probabilities[0] * probabilities[0]
        if let cut = probabilities.indices.first(where: { $0 >= 1 && probabilities[$0] < threshold }) {
            candidates.replace(with: Array(sorted.prefix(cut)), sorted: true)
        }
    }

    /// Exclude Top Choices: with probability `xtcProbability` (one draw from the seeded
    /// generator, made only when XTC is on), removes every token at least `xtcThreshold`
    /// likely except the least likely of them.
    mutating func xtc(_ candidates: inout Candidates, margin: Float) {
        guard settings.xtcProbability > 0, settings.xtcThreshold <= 0.5 else { return }
        let chance = random.nextUnitFloat()
        guard chance <= settings.xtcProbability else { return }
        let sorted = candidates.sort(margin: margin)
        guard sorted.count >= 2 else { return }
        let probabilities = Candidates.probabilities(sorted)
        var last = 0
        while last + 1 < probabilities.count && probabilities[last + 1] >= settings.xtcThreshold { last += 1 }
        guard last > 0, probabilities[0] >= settings.xtcThreshold else { return }
        candidates.replace(with: Array(sorted[last...]), sorted: true)
    }
}
