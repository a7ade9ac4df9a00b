import Foundation
import TestSupport
import Testing

/// serve.py on a free loopback port: a model mirror for `dungeon models download --from`.
final class LocalServer {
    let process = Process()
    let port: Int
    let logPath: String

    init(serving folder: URL, dropAfter: Int? = nil) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("serve.py")
        let portFile = folder.path + ".port"
        logPath = portFile + ".log"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, folder.path, portFile] + (dropAfter.map { ["--drop-after", String($0)] } ?? [])
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        var port: Int?
        while port == nil && Date() < deadline {
            port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
            if port == nil { usleep(20_000) }
        }
        guard let port else { throw TimeoutError(command: "serve.py") }
        self.port = port
    }

    var base: String { "http://127.0.0.1:\(port)" }
    var requests: [String] { ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }

    deinit {
        // SIGKILL: the server may inherit a signal mask from the test's thread that blocks SIGTERM.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

@Suite(.serialized) struct ModelsCommandTests {
    /// A mirror holding a random checkpoint with GPT-2's real vocabulary files, which the
    /// committed table has checksums for.
    func mirror() throws -> ScratchFolder {
        let folder = try ScratchFolder()
        try RandomCheckpoint.write(to: folder.url, layers: 1, width: 16, positions: 64)
        return folder
    }

    @Test func downloadsInstallsAndPlays() throws {
        let source = try mirror()
        let server = try LocalServer(serving: source.url)
        let models = try ScratchFolder()
        let result = try runDungeon(["models", "download", "gpt2", "--models", models.url.path, "--from", server.base])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("Installed gpt2"))
        #expect(result.error.contains("model.safetensors"))  // the progress lines
        for name in ["config.json", "vocab.json", "merges.txt", "model.safetensors"] {
            #expect(FileManager.default.contentsEqual(atPath: models.url.appendingPathComponent("gpt2/\(name)").path,
                                                      andPath: source.url.appendingPathComponent(name).path))
        }
        let list = try runDungeon(["models", "--models", models.url.path])
        #expect(list.output.contains("gpt2"))
        #expect(list.output.contains("F32"))
        // The installed model is found without --model.
        let play = try runDungeon(["play", "--plain", "--new", "--prompt", "You wake.", "--models", models.url.path,
                                   "--saves", models.url.appendingPathComponent("saves").path], input: "look\n")
        #expect(play.status == 0, "\(play.error)")
        #expect(play.output.contains("> You look."))
    }

    @Test func aDroppedConnectionIsResumed() throws {
        let source = try mirror()
        let server = try LocalServer(serving: source.url, dropAfter: 100_000)
        let models = try ScratchFolder()
        let result = try runDungeon(["models", "download", "gpt2", "--models", models.url.path, "--from", server.base])
        #expect(result.status == 0, "\(result.error)")
        #expect(FileManager.default.contentsEqual(atPath: models.url.appendingPathComponent("gpt2/model.safetensors").path,
                                                  andPath: source.url.appendingPathComponent("model.safetensors").path))
        // The second request for the weights asked for the rest, not the whole file again.
        #expect(server.requests.contains("/model.safetensors bytes=100000-"), "\(server.requests)")
    }

    @Test func aWrongChecksumInstallsNothing() throws {
        let source = try mirror()
        // Not GPT-2's vocabulary: the committed SHA-256 for vocab.json cannot match.
        try Data("{\"a\": 0}".utf8).write(to: source.url.appendingPathComponent("vocab.json"))
        let server = try LocalServer(serving: source.url)
        let models = try ScratchFolder()
        let result = try runDungeon(["models", "download", "gpt2", "--models", models.url.path, "--from", server.base])
        #expect(result.status == 1)
        #expect(result.error.contains("vocab.json is 8 bytes, expected 1042301") || result.error.contains("checksum"))
        #expect(!FileManager.default.fileExists(atPath: models.url.appendingPathComponent("gpt2").path))
    }

    @Test func unknownModelsAndDeadMirrors() throws {
        let models = try ScratchFolder()
        let unknown = try runDungeon(["models", "download", "gpt5", "--models", models.url.path])
        #expect(unknown.status == 1)
        #expect(unknown.error.contains("unknown model gpt5; choose from: distilgpt2, gpt2"))
        let dead = try runDungeon(["models", "download", "gpt2", "--models", models.url.path, "--from", "http://127.0.0.1:9"])
        #expect(dead.status == 1)
        #expect(dead.error.contains("dungeon: downloading config.json failed"))
        #expect(!FileManager.default.fileExists(atPath: models.url.appendingPathComponent("gpt2").path))
    }
}

/// `dungeon models import`: every format dungeon reads becomes a native folder that plays
/// exactly like the original; a file that is refused leaves nothing behind.
@Suite struct ModelsImportTests {
    static let fixtures = repositoryRoot.appendingPathComponent("Tests/GPT2Tests/Fixtures")

    @Test func everyFormatImportsAndPlays() throws {
        let scratch = try ScratchFolder()
        let models = scratch.url.appendingPathComponent("models").path
        // A TensorFlow release and a PyTorch folder, each with the tokenizer beside it.
        let tokenizer = ["vocab.json", "merges.txt"].map { Self.fixtures.appendingPathComponent("gguf/\($0)") }
        let tf = scratch.url.appendingPathComponent("tf"), pt = scratch.url.appendingPathComponent("pt")
        for folder in [tf, pt] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        for name in try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.appendingPathComponent("tensorflow").path) {
            try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("tensorflow/\(name)"), to: tf.appendingPathComponent(name))
        }
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("pytorch/tiny-f32-legacy.bin"), to: pt.appendingPathComponent("pytorch_model.bin"))
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("tiny-f32/config.json"), to: pt.appendingPathComponent("config.json"))
        for folder in [tf, pt] {
            for file in tokenizer { try FileManager.default.copyItem(at: file, to: folder.appendingPathComponent(file.lastPathComponent)) }
        }
        for (source, name) in [(Self.fixtures.appendingPathComponent("gguf/tiny-q4_0.gguf").path, "tiny-q4_0"), (tf.path, "tf"), (pt.path, "pt")] {
            let result = try runDungeon(["models", "import", source, "--models", models])
            #expect(result.status == 0, "\(name): \(result.error)")
            #expect(result.output.hasPrefix("Imported \(name) into ") && result.output.contains("checked: the same 16 greedy tokens"), "\(result.output)")
            let played = try runDungeon(["generate", "--model", models + "/" + name, "--prompt", "the cat", "--max-tokens", "5", "--greedy"])
            #expect(played.status == 0, "\(played.error)")
        }
        let list = try runDungeon(["models", "list", "--models", models])
        #expect(list.output.contains("tiny-q4_0") && list.output.contains("tf ") && list.output.contains("pt "))
    }

    @Test func aRefusedFileLeavesNothingBehind() throws {
        let scratch = try ScratchFolder()
        let models = scratch.url.appendingPathComponent("models")
        let evil = scratch.url.appendingPathComponent("evil")
        try FileManager.default.createDirectory(at: evil, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("pytorch/evil.bin"), to: evil.appendingPathComponent("pytorch_model.bin"))
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("tiny-f32/config.json"), to: evil.appendingPathComponent("config.json"))
        let result = try runDungeon(["models", "import", evil.path, "--models", models.path])
        #expect(result.status == 1)
        #expect(result.error.hasSuffix("which a GPT-2 checkpoint never needs; dungeon does not run code from model files and refused it\n"), "\(result.error)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: models.path)) ?? []).isEmpty)
    }
}
