import Foundation
import Testing
@testable import ModelDownload

@Suite struct ChecksumTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func sha256MatchesTheStandardVectors(input: String, digest: String) {
        #expect(SHA256.hex(of: Array(input.utf8)) == digest)
    }

    @Test func sha256OfAMillionAs() {
        var hash = SHA256()
        for _ in 0..<1000 { hash.update([UInt8](repeating: 0x61, count: 1000)) }
        #expect(hash.finalize() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func theCommittedTableMatchesTheCommittedVocabulary() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let table = try ModelCatalog(contentsOf: root.appendingPathComponent("Assets/models.json"))
        #expect(Set(table.models.map(\.name)) == ["distilgpt2", "gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl"])
        for (file, asset) in [("vocab.json", "encoder.json"), ("merges.txt", "vocab.bpe")] {
            let entry = try #require(table.files.first { $0.name == file })
            let data = try Data(contentsOf: root.appendingPathComponent("Assets/gpt2-tokenizer/\(asset)"))
            #expect(entry.size == data.count)
            #expect(entry.sha256 == SHA256.hex(of: data))
        }
    }
}
