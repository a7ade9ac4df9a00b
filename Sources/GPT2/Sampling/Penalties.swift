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
        let reduced = penalty > 1 ? 1 + (penalty - 1) * slope : penalty
        var counts = TokenCounts(capacity: recent.count)
        // KoboldCpp's "near" half: positions i with 2i >= n.
        for (i, token) in recent.enumerated() where logits.indices.contains(token) {
            counts.add(token, near: 2 * i >= recent.count)
        }
        // Each token seen is changed once, whatever the order: the plain penalty gives exactly
        // what it always gave (old stories replay).
        logits.withUnsafeMutableBufferPointer { logits in
            counts.forEach { token, count, near in
                let factor = near ? penalty : reduced
                let logit = logits[token]
                var changed = logit > 0 ? logit / factor : logit * factor
                if frequency != 0 || presence != 0 { changed -= Float(count) * frequency + presence }
                logits[token] = changed
            }
        }
    }
}

/// How often each token occurs in a window, and whether in its newer half: a small
/// open-addressing table (Swift's Dictionary costs several times as much per token here).
struct TokenCounts {
    private var keys: [Int32]
    private var counts: [UInt32]  // count << 1 | near
    private let mask: Int

    init(capacity: Int) {
        var size = 16
        while size < 2 * capacity { size <<= 1 }
        keys = [Int32](repeating: -1, count: size)
        counts = [UInt32](repeating: 0, count: size)
        mask = size - 1
    }

    mutating func add(_ token: Int, near: Bool) {
        var slot = (token &* 0x9E37_79B1) & mask
        while keys[slot] != -1 && keys[slot] != Int32(token) { slot = (slot + 1) & mask }
        keys[slot] = Int32(token)
        counts[slot] = (counts[slot] &+ 2) | (near ? 1 : 0)
    }

    func forEach(_ body: (_ token: Int, _ count: Int, _ near: Bool) -> Void) {
        for slot in keys.indices where keys[slot] != -1 {
            body(Int(keys[slot]), Int(counts[slot] >> 1), counts[slot] & 1 == 1)
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
