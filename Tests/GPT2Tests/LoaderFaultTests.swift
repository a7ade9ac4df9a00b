import Foundation
import TestSupport
import Testing
@testable import GPT2
import Tokenizer

/// Broken model folders, as a fault sweep found them: each is a one-line error naming the
/// file (or, for extra layers, a warning), never a trap, a hang or a silent misreading.
@Suite struct LoaderFaultTests {
    /// Loads `broken` and returns the error's message, recording an issue if it loaded.
    func refusal(_ broken: BrokenCheckpoint) -> String {
        do {
            _ = try broken.load()
            Issue.record("the broken checkpoint loaded")
            return ""
        } catch {
            let message = String(describing: error)
            #expect(!message.contains("\n"))
            return message
        }
    }

    @Test func hostileShapesAndOffsetsAreErrorsNotTraps() throws {
        let huge = try BrokenCheckpoint()
        try huge.writeWeights(huge.weightsWithHeader { header in
            var entry = header["transformer.wpe.weight"] as! [String: Any]
            entry["shape"] = [2_147_483_647, 2_147_483_647, 2_147_483_647]
            header["transformer.wpe.weight"] = entry
        })
        #expect(refusal(huge).contains("larger than the file"))

        let far = try BrokenCheckpoint()
        try far.writeWeights(far.weightsWithHeader { header in
            var entry = header["transformer.wpe.weight"] as! [String: Any]
            entry["data_offsets"] = [Int.max - 8, Int.max - 4]
            header["transformer.wpe.weight"] = entry
        })
        #expect(refusal(far).contains("is truncated"))
    }

    @Test func overlapsGapsAndAShortHeaderLengthAreRefused() throws {
        let overlapping = try BrokenCheckpoint()
        try overlapping.writeWeights(overlapping.weightsWithHeader { header in
            // ln_f.bias made to point at ln_f.weight's bytes: the same size, so only the overlap is wrong.
            let gain = header["transformer.ln_f.weight"] as! [String: Any]
            var bias = header["transformer.ln_f.bias"] as! [String: Any]
            bias["data_offsets"] = gain["data_offsets"]
            header["transformer.ln_f.bias"] = bias
        })
        let message = refusal(overlapping)
        #expect(message.contains("overlaps") || message.contains("leaves a gap"), "\(message)")

        // The header length one byte short: the JSON still parses (its padding shrinks), and
        // every tensor would be read one byte off.
        let short = try BrokenCheckpoint()
        var bytes = short.weights
        let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        try #require(bytes[8 + length - 1] == 0x20, "the fixture's header ends in padding")
        withUnsafeBytes(of: UInt64(length - 1).littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
        try short.writeWeights(bytes)
        #expect(refusal(short).contains("cover"))
    }

    @Test func aConfigWhoseSizesOverflowIsRefused() throws {
        let broken = try BrokenCheckpoint()
        try broken.writeConfig {
            for key in ["n_layer", "n_embd", "n_positions", "vocab_size", "n_inner"] { $0[key] = 1 << 20 }
            $0["n_head"] = 1
        }
        #expect(refusal(broken).contains("billion parameters"))
    }

    /// Found by the fault sweep: `n_layer` below the checkpoint's layers played garbage and
    /// exited 0. Both numbers are named.
    @Test func aConfigWithFewerLayersThanTheWeightsIsRefused() throws {
        let broken = try BrokenCheckpoint()
        try broken.writeConfig { $0["n_layer"] = 1 }
        #expect(refusal(broken) == "\(broken.weightsPath) holds 2 layers, but config.json says n_layer = 1: the config is another model's; use the config.json that came with these weights")
        #expect(try GPT2Model(directory: fixtureFolder("tiny-f32")).warnings.isEmpty)
    }

    @Test func aFIFOIsRefusedWithoutWaiting() throws {
        let broken = try BrokenCheckpoint()
        try FileManager.default.removeItem(atPath: broken.weightsPath)
        #expect(mkfifo(broken.weightsPath, 0o644) == 0)
        #expect(refusal(broken).contains("not a regular file"))

        let config = try BrokenCheckpoint()
        try FileManager.default.removeItem(atPath: config.configPath)
        #expect(mkfifo(config.configPath, 0o644) == 0)
        #expect(refusal(config).contains("not a regular file"))
    }

    @Test func nanWeightsAreReportedOnTheFirstPass() throws {
        let broken = try BrokenCheckpoint()
        var bytes = broken.weights
        let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + length))) as! [String: Any]
        let entry = header["transformer.h.0.attn.c_proj.bias"] as! [String: Any]
        let start = 8 + length + (entry["data_offsets"] as! [Int])[0]
        withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { bytes.replaceSubrange(start..<(start + 4), with: $0) }
        try broken.writeWeights(bytes)
        let session = InferenceSession(model: try broken.load())
        #expect(throws: InferenceError.nonFiniteOutput(position: 2)) { try session.prefill([1, 2, 3]) }
    }

    /// 300 random bytes of the header changed: always a CheckpointError (or a load), never a trap.
    @Test func randomHeaderBytes() throws {
        let broken = try BrokenCheckpoint()
        let original = broken.weights
        let length = original.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        var random = SplitMix64(seed: 42)
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<(1 + Int(random.next() % 4)) {
                bytes[8 + Int(random.next() % UInt64(length))] = UInt8(truncatingIfNeeded: random.next())
            }
            try broken.writeWeights(bytes)
            do {
                _ = try broken.load()
            } catch let error as CheckpointError {
                #expect(!error.description.contains("\n"))
            }
        }
    }
}

@Suite struct TokenizerFileFaultTests {
    func folder(vocabulary: String, merges: String) throws -> ScratchFolder {
        let folder = try ScratchFolder()
        try Data(vocabulary.utf8).write(to: folder.url.appendingPathComponent("vocab.json"))
        try Data(merges.utf8).write(to: folder.url.appendingPathComponent("merges.txt"))
        return folder
    }

    @Test(arguments: [Int.max, 1_000_000_000_000, -1])
    func anIdFarOutOfRangeIsRefused(id: Int) throws {
        let scratch = try folder(vocabulary: #"{"a": 0, "b": \#(id)}"#, merges: "#version: 0.2\na b\n")
        #expect {
            try BPETokenizer(directory: scratch.url)
        } throws: { error in
            "\(error)".contains("out of range") && "\(error)".contains("vocab.json")
        }
    }

    @Test func emptyMergesAreRefused() throws {
        let real = repositoryRoot.appendingPathComponent("Assets/gpt2-tokenizer/encoder.json")
        let scratch = try folder(vocabulary: try String(contentsOf: real, encoding: .utf8), merges: "#version: 0.2\n")
        #expect {
            try BPETokenizer(directory: scratch.url)
        } throws: { error in
            "\(error)" == "cannot read tokenizer file \(scratch.url.appendingPathComponent("merges.txt").path): it holds no merges"
        }
    }
}
