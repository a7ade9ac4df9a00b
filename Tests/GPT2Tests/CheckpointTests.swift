import Foundation
import TestSupport
import Testing
@testable import GPT2

/// Writes variants of a valid fixture checkpoint with one thing broken.
struct BrokenCheckpoint {
    let folder = try! ScratchFolder()
    let original = fixtureFolder("tiny-f32")

    init() throws {
        for file in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(at: original.appendingPathComponent(file),
                                             to: folder.url.appendingPathComponent(file))
        }
    }

    var weightsPath: String { folder.url.appendingPathComponent("model.safetensors").path }
    var configPath: String { folder.url.appendingPathComponent("config.json").path }

    func writeWeights(_ data: Data) throws { try data.write(to: URL(fileURLWithPath: weightsPath)) }

    func writeConfig(_ edit: (inout [String: Any]) -> Void) throws {
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath))) as! [String: Any]
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: configPath))
    }

    var weights: Data { try! Data(contentsOf: URL(fileURLWithPath: weightsPath)) }

    /// The weights with their JSON header rewritten by `edit`.
    func weightsWithHeader(_ edit: (inout [String: Any]) -> Void) throws -> Data {
        let data = weights
        let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        var header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as! [String: Any]
        edit(&header)
        var json = try JSONSerialization.data(withJSONObject: header)
        // Padded to the old length (or, if longer, to a multiple of 8); offsets count from the data's start.
        let newLength = json.count <= length ? length : (json.count + 7) / 8 * 8
        json.append(Data(repeating: 0x20, count: newLength - json.count))
        var prefix = Data()
        withUnsafeBytes(of: UInt64(newLength).littleEndian) { prefix.append(contentsOf: $0) }
        return prefix + json + data.suffix(from: 8 + length)
    }

    func load() throws -> GPT2Model { try GPT2Model(directory: folder.url) }
}

@Suite struct CheckpointTests {
    @Test func loadsEveryFixtureWithItsStorageType() throws {
        #expect(try GPT2Model(directory: fixtureFolder("tiny-f32")).storageType == "F32")
        #expect(try GPT2Model(directory: fixtureFolder("tiny-f32")).convertedBytes == 0)  // used in place
        #expect(try GPT2Model(directory: fixtureFolder("tiny-f16")).storageType == "F16")
        #expect(try GPT2Model(directory: fixtureFolder("tiny-bf16-untied")).storageType == "BF16")
        for name in fixtureNames {
            let weights = fixtureFolder(name).appendingPathComponent("model.safetensors")
            #expect(try GPT2Model.storageType(ofCheckpointAt: weights) == GPT2Model(directory: fixtureFolder(name)).storageType)
        }
    }

    @Test func missingFiles() throws {
        let broken = try BrokenCheckpoint()
        try FileManager.default.removeItem(atPath: broken.weightsPath)
        #expect(throws: CheckpointError.missingFile(path: broken.weightsPath)) { try broken.load() }
        try FileManager.default.removeItem(atPath: broken.configPath)
        #expect(throws: CheckpointError.missingFile(path: broken.configPath)) { try broken.load() }
    }

    @Test func truncatedData() throws {
        let broken = try BrokenCheckpoint()
        let full = broken.weights
        try broken.writeWeights(full.prefix(full.count - 100))
        #expect(throws: CheckpointError.truncated(path: broken.weightsPath, expected: full.count, actual: full.count - 100)) {
            try broken.load()
        }
        try broken.writeWeights(full.prefix(5))
        #expect(throws: CheckpointError.truncated(path: broken.weightsPath, expected: 8, actual: 5)) { try broken.load() }
        try broken.writeWeights(Data())
        #expect(throws: CheckpointError.truncated(path: broken.weightsPath, expected: 8, actual: 0)) { try broken.load() }
    }

    @Test func headerLengthPastTheEnd() throws {
        let broken = try BrokenCheckpoint()
        var data = broken.weights
        let fileSize = data.count
        data.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(fileSize).littleEndian) { Data($0) })
        try broken.writeWeights(data)
        #expect(throws: CheckpointError.truncated(path: broken.weightsPath, expected: 8 + fileSize, actual: fileSize)) {
            try broken.load()
        }
        data.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64.max.littleEndian) { Data($0) })
        try broken.writeWeights(data)
        #expect(throws: CheckpointError.self) { try broken.load() }
    }

    @Test func notSafetensorsAtAll() throws {
        let broken = try BrokenCheckpoint()
        try broken.writeWeights(Data("PK\u{3}\u{4} this is a zip file, not safetensors".utf8))
        #expect(throws: CheckpointError.self) { try broken.load() }
    }

    @Test func unknownDType() throws {
        let broken = try BrokenCheckpoint()
        try broken.writeWeights(broken.weightsWithHeader { header in
            var entry = header["transformer.wpe.weight"] as! [String: Any]
            entry["dtype"] = "I8"
            header["transformer.wpe.weight"] = entry
        })
        #expect(throws: CheckpointError.unknownDType(path: broken.weightsPath, tensor: "transformer.wpe.weight", dtype: "I8")) {
            try broken.load()
        }
    }

    @Test func missingTensor() throws {
        let broken = try BrokenCheckpoint()
        // Renamed rather than removed, so the data stays fully used, as in a real exporter's file.
        try broken.writeWeights(broken.weightsWithHeader {
            $0["transformer.h.1.mlp.c_fc.bias_"] = $0["transformer.h.1.mlp.c_fc.bias"]
            $0["transformer.h.1.mlp.c_fc.bias"] = nil
        })
        #expect(throws: CheckpointError.missingTensor(path: broken.weightsPath, tensor: "transformer.h.1.mlp.c_fc.bias")) {
            try broken.load()
        }
    }

    @Test func shapeNotMatchingConfig() throws {
        let broken = try BrokenCheckpoint()
        try broken.writeConfig { $0["n_layer"] = 1; $0["n_embd"] = 64; $0["n_head"] = 4 }
        #expect(throws: CheckpointError.shapeMismatch(path: broken.weightsPath, tensor: "transformer.wte.weight",
                                                      expected: [320, 64], actual: [320, 32])) {
            try broken.load()
        }
    }

    @Test func configProblems() throws {
        let broken = try BrokenCheckpoint()
        try broken.writeConfig { $0["n_head"] = 5 }
        #expect(throws: CheckpointError.invalidConfig(path: broken.configPath,
                                                      reason: "n_embd (32) is not divisible by n_head (5)")) {
            try broken.load()
        }
        try broken.writeConfig { $0["n_head"] = nil }
        #expect(throws: CheckpointError.invalidConfig(path: broken.configPath, reason: "missing n_head")) {
            try broken.load()
        }
        try broken.writeConfig { $0["n_layer"] = "twelve" }
        #expect(throws: CheckpointError.self) { try broken.load() }
        try Data("not json".utf8).write(to: URL(fileURLWithPath: broken.configPath))
        #expect(throws: CheckpointError.invalidConfig(path: broken.configPath, reason: "not a JSON object")) {
            try broken.load()
        }
    }

    @Test func aModelTooLargeForMemoryIsRefusedBeforeMapping() throws {
        let broken = try BrokenCheckpoint()
        // A config claiming ~1.3 TB of weights; the (small) file is never opened.
        try broken.writeConfig { $0["n_layer"] = 100; $0["n_embd"] = 16384; $0["n_head"] = 128 }
        try FileManager.default.removeItem(atPath: broken.weightsPath)
        do {
            _ = try broken.load()
            Issue.record("loaded an impossible model")
        } catch let error as CheckpointError {
            guard case .tooLarge(let path, let needed, let available) = error else {
                Issue.record("expected tooLarge, got \(error)")
                return
            }
            #expect(path == broken.weightsPath)
            #expect(needed > available)
            #expect(error.description.contains("GiB of memory"))
        }
    }

    @Test func errorMessagesNameTheFile() {
        let error = CheckpointError.truncated(path: "/m/model.safetensors", expected: 10, actual: 5)
        #expect(error.description.contains("/m/model.safetensors"))
        #expect(!error.description.contains("\n"))
    }

    /// Every released GPT-2 shape parses, with the parameter count it is known by.
    @Test(arguments: [
        (12, 12, 768, 124_439_808), (24, 16, 1024, 354_823_168), (36, 20, 1280, 774_030_080), (48, 25, 1600, 1_557_611_200),
    ])
    func everyGPT2Size(layers: Int, heads: Int, width: Int, parameters: Int) throws {
        let folder = try ScratchFolder()
        let json = #"{"n_layer": \#(layers), "n_head": \#(heads), "n_embd": \#(width), "n_positions": 1024, "vocab_size": 50257, "n_inner": null, "layer_norm_epsilon": 1e-05}"#
        let url = folder.url.appendingPathComponent("config.json")
        try Data(json.utf8).write(to: url)
        let config = try GPT2Config(contentsOf: url)
        #expect(config.headSize * config.headCount == width)
        #expect(config.feedForwardSize == 4 * width)
        #expect(config.parameterCount == parameters)
    }
}
