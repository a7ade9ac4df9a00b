import Foundation
import TestSupport
@testable import GPT2

let fixtureNames = ["tiny-f32", "tiny-f16", "tiny-bf16-untied"]

func fixtureFolder(_ name: String) -> URL {
    repositoryRoot.appendingPathComponent("Tests/GPT2Tests/Fixtures/\(name)")
}

/// Outputs of Hugging Face's GPT2LMHeadModel for a fixture checkpoint (Scripts/make_gpt2_fixtures.py).
struct HuggingFaceReference: Decodable {
    var prompt: [Int]
    var greedy: [Int]
    var positions: Int
    var vocabSize: Int
    var logits: [Float]

    enum CodingKeys: String, CodingKey {
        case prompt, greedy, positions, logits
        case vocabSize = "vocab_size"
    }

    static func load(_ name: String) throws -> HuggingFaceReference {
        let data = try Data(contentsOf: fixtureFolder(name).appendingPathComponent("reference.json"))
        return try JSONDecoder().decode(HuggingFaceReference.self, from: data)
    }

    /// Prompt followed by all but the last greedy token: the positions `logits` covers.
    var sequence: [Int] { Array((prompt + greedy).prefix(positions)) }

    func row(_ position: Int) -> ArraySlice<Float> {
        logits[(position * vocabSize)..<((position + 1) * vocabSize)]
    }
}

func maxDifference<A: Collection<Float>, B: Collection<Float>>(_ a: A, _ b: B) -> Float {
    precondition(a.count == b.count, "compared rows of different lengths")
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// The `count` most likely tokens after `prompt`, each fed back in: greedy decoding.
func greedyContinuation(of prompt: [Int], by model: GPT2Model, count: Int) throws -> [Int] {
    let session = InferenceSession(model: model)
    var sampler = Sampler(settings: .greedy, seed: 0)
    var logits = try session.prefill(prompt)
    var generated: [Int] = []
    while generated.count < count {
        let token = sampler.sample(logits, history: session.tokens[...])
        generated.append(token)
        logits = try session.append([token])
    }
    return generated
}
