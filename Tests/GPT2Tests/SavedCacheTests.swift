import Foundation
import Testing
import TestSupport
@testable import GPT2

/// A session's cache written to disk and taken back in a new process's session: the same
/// tokens, and the next token's logits bit for bit those of the session that wrote it. A
/// file that is damaged, cut short, written for other weights or not a cache at all is
/// refused, and the session is left empty (it then reads the prompt as if nothing was saved).
@Suite struct SavedCacheTests {
    static let prompt = (0..<40).map { ($0 * 7 + 3) % 300 }

    /// F32 weights keep an F32 cache; q8 an F16 one.
    @Test(arguments: [Precision.f32, .q8])
    func aRestoredCacheContinuesExactlyAsTheOneThatWasSaved(precision: Precision) throws {
        let folder = try ScratchFolder()
        let model = try GPT2Model(directory: fixtureFolder("tiny-f32"), precision: precision, cacheDirectory: folder.url)
        let file = folder.url.appendingPathComponent("story.kv")
        let saved = InferenceSession(model: model)
        _ = try saved.prefill(Self.prompt)
        try saved.save(to: file, identity: 42)
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        let restored = InferenceSession(model: model)
        try restored.restore(from: file, identity: 42)
        #expect(restored.tokens == Self.prompt)
        let next = Self.prompt + [17, 250]
        #expect(restored.reusableLength(for: next) == Self.prompt.count)
        #expect(try restored.prefill(next) == (try saved.prefill(next)))
    }

    @Test func aDamagedShortOrForeignFileIsRefusedAndLeavesTheCacheEmpty() throws {
        let folder = try ScratchFolder()
        let model = try GPT2Model(directory: fixtureFolder("tiny-f32"))
        let file = folder.url.appendingPathComponent("story.kv")
        let saved = InferenceSession(model: model)
        _ = try saved.prefill(Self.prompt)
        try saved.save(to: file, identity: 42)
        let bytes = try Data(contentsOf: file)

        func refused(_ data: Data?, identity: UInt64 = 42, into target: GPT2Model = model) throws -> Bool {
            let other = folder.url.appendingPathComponent("other.kv")
            if let data { try data.write(to: other) }
            let session = InferenceSession(model: target)
            _ = try session.prefill([1, 2, 3])
            do {
                try session.restore(from: data == nil ? file : other, identity: identity)
                return false
            } catch {
                return session.tokens.isEmpty
            }
        }
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0x10
        #expect(try refused(flipped))                                   // a value changed: the checksum
        var token = bytes
        token[60] ^= 0x01
        #expect(try refused(token))                                     // a token changed
        #expect(try refused(bytes.prefix(bytes.count - 100)))           // cut short
        #expect(try refused(bytes + Data([0])))                         // too long
        #expect(try refused(Data("not a cache".utf8)))
        #expect(try refused(Data()))
        #expect(try refused(nil, identity: 43))                          // other weights
        let q8 = try GPT2Model(directory: fixtureFolder("tiny-f32"), precision: .q8, cacheDirectory: folder.url)
        #expect(try refused(nil, into: q8))                              // another cache format (F16)
        #expect(try refused(nil, into: try GPT2Model(directory: fixtureFolder("tiny-f16"))))  // another shape
    }

    /// A run killed while writing leaves a temporary file; the next save removes it, and the
    /// file it replaces is whole until the rename.
    @Test func aLeftoverTemporaryFileIsRemovedByTheNextSave() throws {
        let folder = try ScratchFolder()
        let model = try GPT2Model(directory: fixtureFolder("tiny-f32"))
        let file = folder.url.appendingPathComponent("story.kv")
        let leftover = folder.url.appendingPathComponent(".story.kv.99999.tmp")
        try Data(repeating: 7, count: 1000).write(to: leftover)
        let session = InferenceSession(model: model)
        _ = try session.prefill(Self.prompt)
        try session.save(to: file, identity: 1)
        #expect(!FileManager.default.fileExists(atPath: leftover.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["story.kv"])
    }
}
