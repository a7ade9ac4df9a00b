import Engine
import Foundation
import TestSupport
import Testing
@testable import GPT2
import Tokenizer

/// GGUF files written by the `gguf` package (llama.cpp's writer) in llama.cpp's GPT-2 layout;
/// Scripts/make_gguf_fixtures.py made them and their references.
@Suite struct GGUFTests {
    static let folder = fixtureFolder("gguf")
    static func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

    /// All logits of `model` over `tokens`.
    func logits(_ model: GPT2Model, _ tokens: [Int]) throws -> [Float] {
        try InferenceSession(model: model).appendReturningAllLogits(tokens)
    }

    @Test func anF32FileMatchesHuggingFace() throws {
        let reference = try HuggingFaceReference.load("tiny-f32")
        let model = try GPT2Model(directory: Self.url("tiny-f32.gguf"))
        #expect(model.storageType == "F32" && model.precision == .f32)
        let all = try logits(model, reference.sequence)
        #expect(maxDifference(all, reference.logits) < 1e-4)
        #expect(try greedyContinuation(of: reference.prompt, by: model, count: reference.greedy.count) == reference.greedy)
    }

    /// Each quantized file, widened to F32, gives exactly the logits of the weights the gguf
    /// library reads back from it; played as stored, it stays within its quantization's error.
    @Test(arguments: ["f16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1"])
    func aQuantizedFileReadsAsTheGGUFLibraryReadsIt(variant: String) throws {
        let reference = try HuggingFaceReference.load("tiny-f32")
        let scratch = try ScratchFolder()
        let dequantized = try GPT2Model(config: try GPT2Config(contentsOf: fixtureFolder("tiny-f32").appendingPathComponent("config.json")),
                                        safetensors: Self.url("tiny-\(variant).dequantized.safetensors"), precision: .f32)
        let expected = try logits(dequantized, reference.sequence)
        let widened = try GPT2Model(directory: Self.url("tiny-\(variant).gguf"), precision: .f32, cacheDirectory: scratch.url)
        #expect(maxDifference(try logits(widened, reference.sequence), expected) < 1e-4)

        let asStored = try GPT2Model(directory: Self.url("tiny-\(variant).gguf"), cacheDirectory: scratch.url)
        #expect(asStored.storageType == variant.uppercased())
        // The engine's own formats are used in place; Q5 is widened at load and played at f32.
        #expect(asStored.convertedBytes == 0 || variant == "f16" || variant.hasPrefix("q5"))
        let played = try logits(asStored, reference.sequence)
        let spread = (expected.max() ?? 0) - (expected.min() ?? 0)
        #expect(maxDifference(played, expected) < 0.05 * spread, "\(variant)")
    }

    @Test func kQuantsWidenAsTheGGUFLibraryDoes() throws {
        let gguf = try GGUF(file: MappedFile(path: Self.url("kquants.gguf").path))
        let expected = try JSONDecoder().decode([String: [Float]].self, from: Data(contentsOf: Self.url("kquants.json")))
        for (name, type) in [("q6k", UInt32(14)), ("q4k", UInt32(12))] {
            let tensor = try #require(gguf.tensors[name])
            #expect(tensor.type == type && tensor.dimensions == [256, 2])
            var values = [Float](repeating: .nan, count: 512)
            values.withUnsafeMutableBufferPointer { buffer in
                KQuants.dequantize(type: type, UnsafeRawPointer(gguf.file.bytes.baseAddress! + tensor.offset), blocks: 2,
                                   into: buffer.baseAddress!)
            }
            #expect(maxDifference(values, expected[name]!) <= 1e-6 * (expected[name]!.map(abs).max() ?? 1), "\(name)")
        }
    }

    @Test func theVocabularyItCarriesTokenizesAsTheFilesDo() throws {
        let engine = try TextEngine(directory: Self.url("tiny-q8_0.gguf"))
        #expect(engine.name == "tiny-q8_0")
        let files = try BPETokenizer(directory: Self.folder)
        for text in ["the cat and the dog", "Où est le café? 🐉", "then   thin\n\nair", "<|endoftext|>"] {
            #expect(engine.tokenizer.encode(text) == files.encode(text), "\(text)")
        }
        #expect(engine.tokenizer.endOfTextID == 319)
    }

    @Test func faultsAreOneLineErrors() throws {
        let scratch = try ScratchFolder()
        let original = try Data(contentsOf: Self.url("tiny-q8_0.gguf"))
        func refusal(_ data: Data) -> String {
            let path = scratch.url.appendingPathComponent("broken.gguf")
            try? data.write(to: path)
            do {
                _ = try GPT2Model(directory: path, cacheDirectory: scratch.url)
                return ""
            } catch {
                #expect(!"\(error)".contains("\n"))
                return "\(error)"
            }
        }
        #expect(refusal(original.prefix(original.count - 100)).contains("is truncated"))
        #expect(refusal(Data("GGUF".utf8) + Data([9, 0, 0, 0])).contains("version 9"))
        #expect(refusal(Data("not a gguf file at all".utf8)).contains("does not start with GGUF"))
        // An architecture that is not GPT-2.
        var llama = original
        let range = try #require(llama.range(of: Data("gpt2".utf8)))
        llama.replaceSubrange(range, with: Data("lama".utf8))
        #expect(refusal(llama).contains("lama model, not GPT-2"))
        // A type dungeon does not read (Q5_K) names the tensor.
        var q5k = try Data(contentsOf: Self.url("kquants.gguf"))
        let type = try #require(q5k.range(of: Data([14, 0, 0, 0])))  // q6k's type
        q5k.replaceSubrange(type, with: Data([13, 0, 0, 0]))
        #expect(refusal(q5k).contains("tensor q6k is Q5_K, which dungeon does not read"))
        // Random bytes in the header never trap.
        var random = SplitMix64(seed: 9)
        for _ in 0..<200 {
            var bytes = original
            for _ in 0..<3 { bytes[Int(random.next() % 2048)] = UInt8(truncatingIfNeeded: random.next()) }
            _ = refusal(bytes)
        }
    }
}
