import Foundation

/// DRY (Don't Repeat Yourself), as text-generation-webui defines it and llama.cpp and
/// KoboldCpp implement it: when the history's last `n` tokens also occur earlier, followed by
/// token `t`, then emitting `t` would extend a repeat to `n + 1` tokens, so `t` loses
/// `multiplier * base^(n - allowedLength)` when `n >= allowedLength`.
///
/// Linear in the range: one Z-function pass over the reversed window finds, for every
/// earlier position, how long a suffix of the history ends there. A repeat never runs
/// across a sequence breaker, and a breaker token itself is never penalised.
public struct DontRepeatYourself: LogitProcessor {
    public var settings: DRYSettings
    /// The longest history searched when the range is 0 ("the whole history"): the model's window.
    public var contextLength: Int

    public init(settings: DRYSettings, contextLength: Int) {
        self.settings = settings
        self.contextLength = contextLength
    }

    public func process(_ logits: inout [Float], history: ArraySlice<Int>) {
        for (token, length) in repeatLengths(history) where logits.indices.contains(token) {
            var exponent = Float(length - settings.allowedLength)
            // Keeps base^exponent finite, as llama.cpp clamps it.
            if settings.base > 1.000001 { exponent = min(exponent, (88.7228391 / logf(settings.base)).rounded(.towardZero)) }
            logits[token] -= settings.multiplier * powf(settings.base, exponent)
        }
    }

    /// For each token that would extend a repeat of at least `allowedLength` tokens, the
    /// longest such repeat.
    func repeatLengths(_ history: ArraySlice<Int>) -> [Int: Int] {
        guard settings.isOn else { return [:] }
        let range = settings.range == 0 ? contextLength : settings.range
        let window = Array(history.suffix(min(range, contextLength)))
        let count = window.count
        guard count > settings.allowedLength else { return [:] }
        // reversed[i] is the token i places from the end.
        let reversed = Array(window.reversed())
        // A repeat cannot reach back past the newest breaker.
        var limit = count
        if let newest = reversed.firstIndex(where: { settings.sequenceBreakers.contains($0) }) { limit = newest }
        guard limit >= settings.allowedLength else { return [:] }

        // z[k]: the longest common prefix of reversed and reversed[k...], i.e. how many tokens
        // before position count-1-k match the history's end.
        var z = [Int](repeating: 0, count: count)
        var left = 0, right = 0
        for k in 1..<count {
            var n = 0
            if k < right { n = min(right - k, z[k - left]) }
            while k + n < count && reversed[n] == reversed[k + n] { n += 1 }
            z[k] = n
            if k + n > right { left = k; right = k + n }
        }
        var longest: [Int: Int] = [:]
        for k in 1..<count {
            let length = min(z[k], limit)
            guard length >= settings.allowedLength else { continue }
            // The run ends at reversed[k], so the token after it (reversed[k - 1]) continues it.
            let next = reversed[k - 1]
            if settings.sequenceBreakers.contains(next) { continue }
            if length > longest[next, default: 0] { longest[next] = length }
        }
        return longest
    }
}
