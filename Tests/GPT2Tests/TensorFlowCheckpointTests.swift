import CKernels
import Foundation
import TestSupport
import Testing
@testable import GPT2

/// A checkpoint written by TensorFlow's Saver under OpenAI's GPT-2 names and shapes
/// (Scripts/make_tensorflow_fixtures.py), as OpenAI's release and AI Dungeon 2's model are.
@Suite struct TensorFlowCheckpointTests {
    static let folder = fixtureFolder("tensorflow")

    /// A copy of the fixture to break.
    func copy() throws -> ScratchFolder {
        let scratch = try ScratchFolder()
        for name in try FileManager.default.contentsOfDirectory(atPath: Self.folder.path) {
            try FileManager.default.copyItem(at: Self.folder.appendingPathComponent(name), to: scratch.url.appendingPathComponent(name))
        }
        return scratch
    }

    @Test func matchesHuggingFace() throws {
        let reference = try HuggingFaceReference.load("tiny-f32")
        let scratch = try copy()
        let model = try GPT2Model(directory: scratch.url)
        #expect(model.storageType == "F32")
        let logits = try InferenceSession(model: model).appendReturningAllLogits(reference.sequence)
        #expect(maxDifference(logits, reference.logits) < 1e-4)
        #expect(try greedyContinuation(of: reference.prompt, by: model, count: reference.greedy.count) == reference.greedy)
    }

    @Test func aDamagedTensorFailsItsChecksum() throws {
        let scratch = try copy()
        let data = scratch.url.appendingPathComponent("model.ckpt.data-00000-of-00001")
        var bytes = try Data(contentsOf: data)
        bytes[bytes.count / 2] ^= 0x40
        try bytes.write(to: data)
        #expect {
            try GPT2Model(directory: scratch.url)
        } throws: { error in
            "\(error)".contains("fails its checksum; the file is damaged") && !"\(error)".contains("\n")
        }
    }

    @Test func missingShardsTruncationAndMutationsAreOneLineErrors() throws {
        let scratch = try copy()
        let data = scratch.url.appendingPathComponent("model.ckpt.data-00000-of-00001")
        let original = try Data(contentsOf: data)
        try original.prefix(original.count - 64).write(to: data)
        #expect(throws: CheckpointError.self) { try GPT2Model(directory: scratch.url) }
        try FileManager.default.removeItem(at: data)
        #expect { try GPT2Model(directory: scratch.url) } throws: { "\($0)".contains("missing model file") }
        try original.write(to: data)

        let index = scratch.url.appendingPathComponent("model.ckpt.index")
        let indexBytes = try Data(contentsOf: index)
        var random = SplitMix64(seed: 3)
        for _ in 0..<200 {
            var bytes = indexBytes
            for _ in 0..<2 { bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next()) }
            try bytes.write(to: index)
            do { _ = try GPT2Model(directory: scratch.url) } catch let error as CheckpointError {
                #expect(!error.description.contains("\n"))
            }
        }
    }

    @Test func theFastChecksumMatchesTheTable() {
        var random = SplitMix64(seed: 8)
        for size in [0, 1, 7, 8, 9, 100, 4096 + 3] {
            let bytes = (0..<size).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            #expect(ck_crc32c(bytes, size) == ck_crc32c_portable(bytes, size))
        }
        // The standard check value of CRC-32C.
        #expect(ck_crc32c(Array("123456789".utf8), 9) == 0xE306_9283)
    }
}
