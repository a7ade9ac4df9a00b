import Foundation
import Testing
import TestSupport
import Tokenizer
@testable import Engine
@testable import GPT2

/// Each sampler against llama.cpp's own, on the logits and histories of
/// `Fixtures/samplers/llama.json` (written by Scripts/make_sampler_fixtures.py through
/// llama-cpp-python's low-level sampler API).
@Suite struct SamplerReferenceTests {
    struct Case: Decodable {
        struct Output: Decodable {
            var ids: [Int]
            var logits: [Float]
        }
        var sampler: String
        var text: String?
        var value: Float?
        var logits: [Float]
        var ids: [Int]?
        var history: [Int]?
        var lastN: Int?
        var `repeat`: Float?
        var frequency: Float?
        var presence: Float?
        var multiplier: Float?
        var base: Float?
        var allowedLength: Int?
        var breakers: [String]?
        var out: Output
    }

    static let cases: [Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/samplers/llama.json")
        struct File: Decodable { var cases: [Case] }
        return (try? JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases) ?? []
    }()

    static func cases(_ name: String) -> [Case] { cases.filter { $0.sampler == name } }

    /// The candidates a stage leaves of the 64 fixture logits, as a map from id to logit.
    static func kept(_ c: Case, _ stage: (inout Candidates) -> Void) -> [Int: Float] {
        var candidates = Candidates(logits: c.logits)
        stage(&candidates)
        return Dictionary(uniqueKeysWithValues: candidates.materialize(margin: .infinity).map { ($0.token, $0.logit) })
    }

    static func expected(_ c: Case) -> [Int: Float] {
        Dictionary(uniqueKeysWithValues: zip(c.out.ids, c.out.logits).map { ($0, $1) })
    }

    @Test func fixtureHasEverySampler() {
        let names = Set(Self.cases.map(\.sampler))
        #expect(names == ["top-k", "top-p", "min-p", "typical", "temperature", "xtc", "penalties", "dry"])
    }

    @Test(arguments: ["top-k", "top-p", "min-p", "typical", "xtc"])
    func truncationKeepsWhatLlamaCppKeeps(name: String) {
        for c in Self.cases(name) {
            let value = c.value!
            let kept = Self.kept(c) { candidates in
                switch name {
                case "top-k": Sampler.topK(Int(value), &candidates)
                case "top-p": Sampler.topP(value, &candidates)
                case "min-p": Sampler.minP(value, &candidates)
                case "typical": Sampler.typical(value, &candidates, margin: .infinity)
                default:
                    var settings = SamplingSettings()
                    settings.xtcThreshold = value
                    settings.xtcProbability = 1
                    var sampler = Sampler(settings: settings, seed: 1)
                    sampler.xtc(&candidates, margin: .infinity)
                }
            }
            #expect(Set(kept.keys) == Set(c.out.ids), "\(name) \(value)")
        }
    }

    @Test func temperatureScalesAsLlamaCpp() {
        for c in Self.cases("temperature") {
            let kept = Self.kept(c) { Sampler.temperature(c.value!, &$0) }
            for (id, logit) in Self.expected(c) { #expect(abs(kept[id]! - logit) < 1e-5) }
        }
    }

    @Test func penaltiesMatchLlamaCpp() {
        for c in Self.cases("penalties") {
            var logits = c.logits
            RepetitionPenalty(penalty: c.`repeat`!, window: c.lastN!, presence: c.presence!, frequency: c.frequency!)
                .process(&logits, history: c.history![...])
            for (id, logit) in Self.expected(c) { #expect(abs(logits[id] - logit) < 1e-5, "token \(id)") }
        }
    }

    @Test func dryMatchesLlamaCpp() throws {
        let tokenizer = try BPETokenizer(directory: repositoryRoot.appendingPathComponent("Assets/gpt2-tokenizer"))
        let engineBreakers = { (breakers: [String]) in breakerTokens(breakers, tokenizer: tokenizer) }
        for c in Self.cases("dry") {
            #expect(tokenizer.encode(c.text ?? "") == c.history!, "the fixture's tokens are GPT-2's")
            var logits = [Float](repeating: 0, count: 50257)
            for (id, logit) in zip(c.ids!, c.logits) { logits[id] = logit }
            let settings = DRYSettings(multiplier: c.multiplier!, base: c.base!, allowedLength: c.allowedLength!,
                                       range: c.lastN! < 0 ? 0 : c.lastN!, sequenceBreakers: engineBreakers(c.breakers!))
            DontRepeatYourself(settings: settings, contextLength: 64).process(&logits, history: c.history![...])
            for (id, logit) in Self.expected(c) { #expect(abs(logits[id] - logit) < 1e-3, "\(c.lastN!) \(c.text ?? "") token \(id): \(logits[id]) vs \(logit)") }
        }
    }
}
