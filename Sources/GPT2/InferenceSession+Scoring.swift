import CKernels
import Foundation

/// How well a model predicts a text: for each position after the first, the negative
/// log-likelihood of the token that follows and the model's most likely token there.
public struct TextScore: Sendable {
    public var negativeLogLikelihoods: [Double]
    public var predictions: [Int]

    public var perplexity: Double {
        exp(negativeLogLikelihoods.reduce(0, +) / Double(max(1, negativeLogLikelihoods.count)))
    }

    /// The share of positions where both scores predict the same token.
    public func topOneAgreement(with other: TextScore) -> Double {
        let count = min(predictions.count, other.predictions.count)
        guard count > 0 else { return 0 }
        return Double(zip(predictions, other.predictions).filter { $0 == $1 }.count) / Double(count)
    }
}

extension InferenceSession {
    /// Scores `tokens` from an empty cache (at most the context window), reading them in
    /// chunks so that only one chunk's logits are held at a time.
    public func score(_ tokens: [Int], chunk: Int = 128) throws -> TextScore {
        reset()
        let tokens = Array(tokens.prefix(model.config.contextLength))
        let v = model.config.vocabularySize
        var score = TextScore(negativeLogLikelihoods: [], predictions: [])
        var offset = 0
        while offset < tokens.count - 1 {
            let end = min(offset + chunk, tokens.count - 1)
            let logits = try appendReturningAllLogits(Array(tokens[offset..<end]))
            logits.withUnsafeBufferPointer { buffer in
                for row in 0..<(end - offset) {
                    let values = buffer.baseAddress! + row * v
                    var best: Int64 = 0, maximum: Float = 0, logSum: Double = 0
                    ck_logit_statistics(values, Int64(v), &best, &maximum, &logSum)
                    let next = tokens[offset + row + 1]
                    score.negativeLogLikelihoods.append(logSum - Double(values[next] - maximum))
                    score.predictions.append(Int(best))
                }
            }
            offset = end
        }
        return score
    }

    /// Scores `tokens` as llama.cpp's `llama-perplexity` does, so the two programs' numbers
    /// cover the same predictions: consecutive windows of `window` tokens, each read from an
    /// empty cache, and only each window's second half scored (positions window/2 ..<
    /// window - 1), so every prediction has at least half a window of context. A last
    /// partial window is left out.
    public func score(_ tokens: [Int], windowsOf window: Int) throws -> TextScore {
        precondition(window >= 2 && window <= model.config.contextLength, "a window is 2 tokens to the context length")
        var total = TextScore(negativeLogLikelihoods: [], predictions: [])
        for start in stride(from: 0, through: tokens.count - window, by: window) {
            let part = try score(Array(tokens[start..<(start + window)]))
            total.negativeLogLikelihoods += part.negativeLogLikelihoods[(window / 2)...]
            total.predictions += part.predictions[(window / 2)...]
        }
        return total
    }
}
