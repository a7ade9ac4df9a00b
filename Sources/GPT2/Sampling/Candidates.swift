import Foundation

/// The tokens still in the running while the stages of a `Sampler` narrow them down.
///
/// Starts as the whole vocabulary (`list` nil: every token of `logits` above -inf), so that
/// stages which only need a pass over the logits (temperature, min-p, top-k's heap) never
/// build or sort a list of 50,257 tokens.
struct Candidates {
    typealias Candidate = (token: Int, logit: Float)

    var logits: [Float]
    private(set) var list: [Candidate]?
    private(set) var sorted = false
    /// The whole vocabulary was cut by a pass that keeps token order (min-p masks what it
    /// drops to -inf): it is drawn from in token order, as a min-p list would be.
    var inTokenOrder = false

    init(logits: [Float]) { self.logits = logits }

    /// Most likely first; ties keep the lower token id first, so the order is deterministic.
    static func before(_ a: Candidate, _ b: Candidate) -> Bool {
        a.logit > b.logit || (a.logit == b.logit && a.token < b.token)
    }

    mutating func replace(with list: [Candidate], sorted: Bool) {
        self.list = list
        self.sorted = sorted
    }

    /// The candidates as a list: for the whole vocabulary, only the tokens within `margin` of
    /// the best logit. A token further down than about 30 nats (at the temperature still to
    /// come) has a probability under 1e-13 of the best's: even all 50,257 of them together
    /// could not change a float sum, so they are dropped without changing any result.
    mutating func materialize(margin: Float) -> [Candidate] {
        if let list { return list }
        var kept: [Candidate] = []
        logits.withUnsafeBufferPointer { logits in
            let floor = LogitScan.maximum(logits) - margin
            LogitScan.forEach(in: logits, atLeast: { floor }) { kept.append(($0, $1)) }
        }
        replace(with: kept, sorted: false)
        return kept
    }

    mutating func sort(margin: Float) -> [Candidate] {
        var list = materialize(margin: margin)
        if !sorted {
            list.sort(by: Self.before)
            replace(with: list, sorted: true)
        }
        return list
    }

    /// Softmax of sorted logits (as llama.cpp's `softmax`: exp(l - max) / sum).
    static func probabilities(_ sorted: [Candidate]) -> [Float] {
        guard let maximum = sorted.first?.logit else { return [] }
        var weights = sorted.map { expf($0.logit - maximum) }
        let total = weights.reduce(0, +)
        for i in weights.indices { weights[i] /= total }
        return weights
    }
}
