import Foundation
import TestSupport
import Testing
@testable import Tokenizer

let gpt2Tokenizer: BPETokenizer = {
    // Committed copy of GPT-2's real vocabulary (OpenAI's file names).
    try! BPETokenizer(directory: repositoryRoot.appendingPathComponent("Assets/gpt2-tokenizer"))
}()

struct ReferenceCase: Decodable, Sendable, CustomTestStringConvertible {
    var text: String
    var ids: [Int]
    var testDescription: String { text.debugDescription }
}

let referenceCases: [ReferenceCase] = {
    struct File: Decodable { var cases: [ReferenceCase] }
    let url = repositoryRoot.appendingPathComponent("Tests/TokenizerTests/Fixtures/hf_token_ids.json")
    return try! JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
}()

@Suite struct TokenizerReferenceTests {
    @Test func fixtureHasEnoughCases() {
        #expect(referenceCases.count >= 300)
    }

    @Test(arguments: referenceCases)
    func idsMatchHuggingFace(_ reference: ReferenceCase) {
        #expect(gpt2Tokenizer.encode(reference.text) == reference.ids)
    }

    @Test(arguments: referenceCases)
    func decodeInvertsEncode(_ reference: ReferenceCase) {
        #expect(gpt2Tokenizer.decode(gpt2Tokenizer.encode(reference.text)) == reference.text)
    }
}

@Suite struct VocabularyReaderTests {
    func decoded(_ json: String) -> [String: Int]? { try? JSONDecoder().decode([String: Int].self, from: Data(json.utf8)) }
    func read(_ json: String) -> [String: Int]? {
        Data(json.utf8).withUnsafeBytes { BPETokenizer.flatTokenIDs(in: $0) }
    }

    @Test func readsGPT2sVocabularyAsJSONDecoderDoes() throws {
        let data = try Data(contentsOf: repositoryRoot.appendingPathComponent("Assets/gpt2-tokenizer/encoder.json"))
        let fast = try #require(data.withUnsafeBytes { BPETokenizer.flatTokenIDs(in: $0) })
        #expect(fast == (try JSONDecoder().decode([String: Int].self, from: data)))
        #expect(fast.count == 50257)
    }

    @Test(arguments: [
        #"{}"#, #" { } "#, #"{"a":0}"#, "{\n  \"a\" : 1 ,\r\n\t\"b\":22\n}\n",
        #"{"\u0120the": 262, "\"": 1, "\\": 2, "\/\b\f\n\r\t": 3}"#,
        #"{"\ud83d\ude00": 4, "é": 5, "😀x": 6, "\u00e9\u0000": 7}"#,
    ])
    func readsWhatJSONDecoderReads(json: String) throws {
        let expected = try #require(decoded(json))
        #expect(read(json) == expected)
    }

    /// Left to JSONDecoder, which reads some of them and refuses the rest with its error.
    @Test(arguments: [
        #"{"a": -1}"#, #"{"a": 1.5}"#, #"{"a": "b"}"#, #"{"a": {"b": 1}}"#, #"[1]"#, #"{"a": 1,}"#,
        #"{"a": 1} x"#, #"{"a": 1, "a": 2}"#, #"{"\ud83d": 1}"#, #"{"\x": 1}"#, #"{"a": 1"#,
        #"{"a": 1234567890}"#, "{\"a\tb\": 1}",
    ])
    func leavesAnythingElseToJSONDecoder(json: String) {
        #expect(read(json) == nil)
    }
}

@Suite struct TokenizerBehaviourTests {
    @Test func vocabularyIsGPT2s() {
        #expect(gpt2Tokenizer.vocabularySize == 50257)
        #expect(gpt2Tokenizer.endOfTextID == 50256)
        #expect(gpt2Tokenizer.id(ofSpelling: "Ġthe") == 262)
    }

    @Test func endOfTextIsSpecialOnlyWhenAllowed() {
        let text = "The end.<|endoftext|>Chapter"
        let special = gpt2Tokenizer.encode(text, allowSpecial: true)
        #expect(special.contains(50256))
        #expect(!gpt2Tokenizer.encode(text).contains(50256))
        #expect(gpt2Tokenizer.decode(special) == text)
    }

    @Test func loadsHuggingFaceFileNamesToo() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let assets = repositoryRoot.appendingPathComponent("Assets/gpt2-tokenizer")
        try FileManager.default.copyItem(at: assets.appendingPathComponent("encoder.json"),
                                         to: folder.appendingPathComponent("vocab.json"))
        try FileManager.default.copyItem(at: assets.appendingPathComponent("vocab.bpe"),
                                         to: folder.appendingPathComponent("merges.txt"))
        let tokenizer = try BPETokenizer(directory: folder)
        #expect(tokenizer.encode("Hello world") == [15496, 995])
    }

    @Test func missingAndCorruptFilesAreClearErrors() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: TokenizerError.missingFiles(directory: folder.path)) {
            try BPETokenizer(directory: folder)
        }
        try Data("{not json".utf8).write(to: folder.appendingPathComponent("vocab.json"))
        try Data("#version: 0.2\n".utf8).write(to: folder.appendingPathComponent("merges.txt"))
        #expect(throws: TokenizerError.self) { try BPETokenizer(directory: folder) }
    }

    @Test func streamingDecoderHoldsSplitCharacters() {
        // "🐉" is 4 UTF-8 bytes and GPT-2 spells it with several byte tokens.
        let text = "A 🐉 and 日本 and café."
        let tokens = gpt2Tokenizer.encode(text)
        var decoder = StreamingDecoder(tokenizer: gpt2Tokenizer)
        var pieces: [String] = []
        for token in tokens { pieces.append(decoder.append(token)) }
        pieces.append(decoder.finish())
        #expect(pieces.joined() == text)
        #expect(!pieces.joined().contains("\u{FFFD}"))
        // Some token must have completed nothing on its own, or the test proves nothing.
        #expect(tokens.count > text.count / 2)
        #expect(pieces.contains(""))
    }

    @Test func streamingDecoderReplacesBytesThatCanNeverComplete() {
        // Byte 0xF0 starts a 4-byte character; ending the stream right after it leaves it unfinished.
        let leadByte = gpt2Tokenizer.id(ofSpelling: String(ByteAlphabet.scalars[0xF0]))!
        var decoder = StreamingDecoder(tokenizer: gpt2Tokenizer)
        #expect(decoder.append(leadByte) == "")
        #expect(decoder.finish() == "\u{FFFD}")
    }

    @Test func byteAlphabetIsABijection() {
        let scalars = ByteAlphabet.scalars
        #expect(Set(scalars).count == 256)
        for (byte, scalar) in scalars.enumerated() {
            #expect(ByteAlphabet.byte(for: scalar) == UInt8(byte))
        }
    }
}
