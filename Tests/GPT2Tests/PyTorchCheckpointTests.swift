import Foundation
import TestSupport
import Testing
@testable import GPT2

/// `pytorch_model.bin` files written by torch.save itself (Scripts/make_pytorch_fixtures.py):
/// the zip format and the legacy one, F32 and F16, and hostile pickles.
@Suite struct PyTorchCheckpointTests {
    static func url(_ name: String) -> URL { fixtureFolder("pytorch").appendingPathComponent(name) }

    /// A model folder: the tiny fixture's config.json beside the given .bin.
    func folder(with bin: String) throws -> ScratchFolder {
        let scratch = try ScratchFolder()
        try FileManager.default.copyItem(at: fixtureFolder("tiny-f32").appendingPathComponent("config.json"),
                                         to: scratch.url.appendingPathComponent("config.json"))
        try FileManager.default.copyItem(at: Self.url(bin), to: scratch.url.appendingPathComponent("pytorch_model.bin"))
        return scratch
    }

    @Test(arguments: ["tiny-f32.bin", "tiny-f32-legacy.bin"])
    func f32MatchesHuggingFace(file: String) throws {
        let reference = try HuggingFaceReference.load("tiny-f32")
        let scratch = try folder(with: file)
        let model = try GPT2Model(directory: scratch.url)
        #expect(model.storageType == "F32" && model.precision == .f32)
        let logits = try InferenceSession(model: model).appendReturningAllLogits(reference.sequence)
        #expect(maxDifference(logits, reference.logits) < 1e-4)
        #expect(try greedyContinuation(of: reference.prompt, by: model, count: reference.greedy.count) == reference.greedy)
    }

    /// F16 saves are the F32 weights rounded (vectors included): within rounding of Hugging
    /// Face's F32 logits, and the same greedy continuation.
    @Test(arguments: ["tiny-f16.bin", "tiny-f16-legacy.bin"])
    func f16IsTheSameWeightsRounded(file: String) throws {
        let reference = try HuggingFaceReference.load("tiny-f32")
        let scratch = try folder(with: file)
        let model = try GPT2Model(directory: scratch.url)
        #expect(model.storageType == "F16" && model.precision == .f16)
        let logits = try InferenceSession(model: model).appendReturningAllLogits(reference.sequence)
        #expect(maxDifference(logits, reference.logits) < 1e-2)
        #expect(try greedyContinuation(of: reference.prompt, by: model, count: reference.greedy.count) == reference.greedy)
    }

    /// A pickle that asks for os.system is refused by name, and nothing runs.
    @Test(arguments: ["evil.bin", "evil-legacy.bin", "evil-plain.bin"])
    func aPickleThatAsksForCodeIsRefused(file: String) throws {
        let marker = "/tmp/dungeon-pwned"
        try? FileManager.default.removeItem(atPath: marker)
        let scratch = try folder(with: file)
        do {
            _ = try GPT2Model(directory: scratch.url)
            Issue.record("the hostile pickle loaded")
        } catch let error as CheckpointError {
            #expect(error.description.contains("asks to run posix.system") || error.description.contains("asks to run os.system"),
                    "\(error)")
            #expect(!error.description.contains("\n"))
        }
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test func damagedFilesAreOneLineErrors() throws {
        let original = try Data(contentsOf: Self.url("tiny-f32.bin"))
        let legacy = try Data(contentsOf: Self.url("tiny-f32-legacy.bin"))
        let scratch = try folder(with: "tiny-f32.bin")
        let path = scratch.url.appendingPathComponent("pytorch_model.bin")
        func refusal(_ data: Data) -> String {
            try? data.write(to: path)
            do {
                _ = try GPT2Model(directory: scratch.url)
                return ""
            } catch {
                #expect(!"\(error)".contains("\n"))
                return "\(error)"
            }
        }
        #expect(!refusal(original.prefix(original.count / 2)).isEmpty)
        #expect(refusal(legacy.prefix(legacy.count - 1000)).contains("is truncated"))
        var random = SplitMix64(seed: 4)
        for sample in 0..<200 {
            var bytes = sample % 2 == 0 ? original : legacy
            for _ in 0..<3 { bytes[Int(random.next() % UInt64(min(bytes.count, 4096)))] = UInt8(truncatingIfNeeded: random.next()) }
            _ = refusal(bytes)  // an error or a load: never a trap
        }
    }
}
