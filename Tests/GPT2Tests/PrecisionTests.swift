import Foundation
import TestSupport
import Testing
import Tokenizer
@testable import GPT2

/// The demo model beside the checkout (CI has it; elsewhere these tests are skipped).
let demoModel = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/models/adventure-demo")
let demoModelPresent = FileManager.default.fileExists(atPath: demoModel.appendingPathComponent("model.safetensors").path)

@Suite struct PrecisionTests {
    /// F16 weights used as stored give the same greedy continuation as F32: the F32 fixture
    /// converted to F16 against Hugging Face's greedy tokens.
    @Test func halfPrecisionKeepsTheGreedyContinuation() throws {
        let cache = try ScratchFolder()
        let reference = try HuggingFaceReference.load("tiny-f32")
        let model = try GPT2Model(directory: fixtureFolder("tiny-f32"), precision: .f16, cacheDirectory: cache.url)
        #expect(model.matrixFormat == "F16")
        #expect(try greedyContinuation(of: reference.prompt, by: model, count: reference.greedy.count) == reference.greedy)
    }

    /// Every precision loads every fixture it can hold, and the second load maps the cache
    /// the first one wrote instead of converting again.
    @Test(arguments: [Precision.f32, .f16, .q8, .q4])
    func compactWeightsAreCachedAndMapped(_ precision: Precision) throws {
        let cache = try ScratchFolder()
        let first = try GPT2Model(directory: fixtureFolder("tiny-f32"), precision: precision, cacheDirectory: cache.url)
        let file = cache.url.appendingPathComponent("model.\(precision).dungeon")
        let converts = precision == .f16 || precision == .q8 || precision == .q4
        #expect(FileManager.default.fileExists(atPath: file.path) == converts)
        guard converts else { return }
        let written = try FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date
        let second = try GPT2Model(directory: fixtureFolder("tiny-f32"), precision: precision, cacheDirectory: cache.url)
        #expect(try FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date == written)
        let prompt = [64, 290, 318, 257, 13]  // the fixture's vocabulary is 320 tokens
        #expect(try InferenceSession(model: first).prefill(prompt) == InferenceSession(model: second).prefill(prompt))

        // A damaged cache is made again, never trusted.
        let handle = try FileHandle(forWritingTo: file)
        try handle.write(contentsOf: Data(repeating: 0x7b, count: 40))
        try handle.close()
        let third = try GPT2Model(directory: fixtureFolder("tiny-f32"), precision: precision, cacheDirectory: cache.url)
        #expect(try InferenceSession(model: third).prefill(prompt) == InferenceSession(model: first).prefill(prompt))
    }

    /// A cache written by an older converter (its header's version) is made again, not mapped.
    @Test func aCacheFromAnOlderConverterIsMadeAgain() throws {
        let cache = try ScratchFolder()
        _ = try GPT2Model(directory: fixtureFolder("tiny-f32"), precision: .q8, cacheDirectory: cache.url)
        let file = cache.url.appendingPathComponent("model.q8.dungeon")
        var bytes = try Data(contentsOf: file)
        let current = Data("\"version\":\(CompactWeightsFile.version)".utf8)
        let older = Data("\"version\":\(CompactWeightsFile.version - 1)".utf8)
        let range = try #require(bytes.range(of: current))
        bytes.replaceSubrange(range, with: older)
        try bytes.write(to: file)
        _ = try GPT2Model(directory: fixtureFolder("tiny-f32"), precision: .q8, cacheDirectory: cache.url)
        #expect(try Data(contentsOf: file).range(of: current) != nil)
    }

    @Test func blockFormatsNeedWholeBlocks() throws {
        let cache = try ScratchFolder()
        // tiny-f16 is 24 wide: not a whole number of 32-weight blocks.
        #expect(throws: CheckpointError.self) {
            try GPT2Model(directory: fixtureFolder("tiny-f16"), precision: .q8, cacheDirectory: cache.url)
        }
    }

    /// Half precision on the demo model, over 1,000 positions of prose it never saw, predicts
    /// f32's top token everywhere. 8-bit and 4-bit weights, scored on the same text as llama.cpp's
    /// llama-perplexity -c 512 scores it, agree with f32's top token at least as often as
    /// llama.cpp's Q8_0 and Q4_0 agree with its own full precision there (llama-perplexity
    /// --kl-divergence, recorded by `Scripts/bench_peers.py --accuracy-fixture`), and their
    /// perplexity rises no more than those formats' does.
    @Test(.enabled(if: demoModelPresent, "needs ../shared/models/adventure-demo"))
    func quantizedWeightsAreAtLeastAsAccurateAsLlamaCppsFormats() throws {
        let cache = try ScratchFolder()
        let folder = fixtureFolder("held-out")
        let text = try String(contentsOf: folder.appendingPathComponent("prose.txt"), encoding: .utf8)
        let tokens = try BPETokenizer(directory: demoModel).encode(text)
        #expect(tokens.count > 1000)
        let llama = try JSONDecoder().decode(LlamaAccuracy.self, from: Data(contentsOf: folder.appendingPathComponent("llama-accuracy.json")))
        func session(_ precision: Precision) throws -> InferenceSession {
            try InferenceSession(model: GPT2Model(directory: demoModel, precision: precision, cacheDirectory: cache.url))
        }
        let full = try session(.f32).score(tokens)
        let half = try session(.f16).score(tokens)
        #expect(full.predictions.count >= 1000)
        #expect(half.topOneAgreement(with: full) == 1)
        #expect(abs(half.perplexity / full.perplexity - 1) < 0.0001)

        let windowed = try session(.f32).score(tokens, windowsOf: llama.window)
        #expect(windowed.predictions.count == llama.predictions)
        for (precision, reference) in [(Precision.q8, llama.Q8_0), (.q4, llama.Q4_0)] {
            let compact = try session(precision).score(tokens, windowsOf: llama.window)
            #expect(compact.topOneAgreement(with: windowed) * 100 >= reference.top1_agreement_percent, "\(precision)")
            #expect(compact.perplexity / windowed.perplexity <= max(1, reference.perplexity_ratio) + 0.001, "\(precision)")
        }
    }
}

/// llama.cpp's accuracy on the demo model, as `Scripts/bench_peers.py` records it.
private struct LlamaAccuracy: Decodable {
    struct Format: Decodable {
        var top1_agreement_percent: Double
        var perplexity_ratio: Double
    }
    var window: Int
    var predictions: Int
    var Q8_0: Format
    var Q4_0: Format
}
