/// One step that reshapes the logits of the whole vocabulary before any is cut.
public protocol LogitProcessor: Sendable {
    func process(_ logits: inout [Float], history: ArraySlice<Int>)
}

/// The repetition, presence and frequency penalties over the last `window` tokens.
///
/// Repetition is CTRL's: a positive logit is divided by the penalty and a negative one
/// multiplied (dividing a negative logit would make the token *more* likely). With a
/// `slope` below 1, tokens seen only in the older half of the window get the gentler
/// `1 + (penalty - 1) * slope`, as KoboldCpp's `rep_pen_slope` does. Presence subtracts a
/// constant from every token seen; frequency subtracts it once per occurrence (llama.cpp's
/// `penalties` sampler). Costs O(window): only the tokens seen are touched.
public struct RepetitionPenalty: LogitProcessor {
    public var penalty: Float
    public var window: Int
    public var slope: Float = 1
    public var presence: Float = 0
    public var frequency: Float = 0

    public init(penalty: Float, window: Int, slope: Float = 1, presence: Float = 0, frequency: Float = 0) {
        self.penalty = penalty
        self.window = window
        self.slope = slope
        self.presence = presence
        self.frequency = frequency
    }

    public func process(_ logits: inout [Float], history: ArraySlice<Int>) {
        guard penalty != 1 || presence != 0 || frequency != 0, window > 0 else { return }
        let recent = history.suffix(window)
        // Count each token, and whether it occurs in the newer half (KoboldCpp's "near":
        // positions i with 2i >= n).
        var counts: [Int: (count: Int, near: Bool)] = [:]
        counts.reserveCapacity(recent.count)
        for (i, token) in recent.enumerated() where logits.indices.contains(token) {
            let near = 2 * i >= recent.count
            let seen = counts[token]
            counts[token] = ((seen?.count ?? 0) + 1, (seen?.near ?? false) || near)
        }
        let reduced = penalty > 1 ? 1 + (penalty - 1) * slope : penalty
        if presence == 0 && frequency == 0 && slope == 1 {
            // The plain penalty, in the order it always ran (old stories replay exactly).
            var done = Set<Int>()
            for token in recent where logits.indices.contains(token) && done.insert(token).inserted {
                let logit = logits[token]
                logits[token] = logit > 0 ? logit / penalty : logit * penalty
            }
            return
        }
        for (token, seen) in counts {
            let factor = seen.near ? penalty : reduced
            let logit = logits[token]
            logits[token] = (logit > 0 ? logit / factor : logit * factor)
                - Float(seen.count) * frequency - presence
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

/// Adds a fixed amount to chosen tokens' logits (OpenAI's and KoboldCpp's `logit_bias`).
public struct LogitBias: LogitProcessor {
    public var bias: [Int: Float]

    public func process(_ logits: inout [Float], history: ArraySlice<Int>) {
        for (token, amount) in bias where logits.indices.contains(token) { logits[token] += amount }
    }
}
