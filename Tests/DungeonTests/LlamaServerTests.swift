import Foundation
import TestSupport
import Testing

/// Playing against llama.cpp's own `llama-server` (built by Scripts/llama-server from the
/// llama-cpp-python source package), serving the test checkpoint converted to GGUF: the API
/// is found by asking, GPT-2's tokenizer is recognised, and a story plays, retries, saves
/// and resumes through it.
@Suite(.serialized)
struct LlamaServerTests {
    let folders: GameFolders

    init() throws { folders = try GameFolders() }

    @Test func aStoryPlaysThroughLlamaCppsServer() throws {
        let server = try LlamaServer(model: folders.model, folder: folders.scratch.url)
        let played = try runDungeon(["play", "--plain", "--new", "--prompt", "You wake in the cellar of an inn.", "--seed", "8",
                                     "--saves", folders.saves, "--backend", server.url],
                                    input: "/set length 16\nlook around\n/retry\nopen the door\n/quit\n")
        #expect(played.status == 0, "\(played.error)")
        #expect(!played.error.contains("Loading model"))
        #expect(played.output.contains("> You open the door."))
        let resumed = try runDungeon(["play", "--plain", "--continue", "--saves", folders.saves, "--backend", "openai+" + server.url],
                                     input: "climb the stairs\n/history\n/quit\n")
        #expect(resumed.status == 0, "\(resumed.error)")
        #expect(resumed.output.contains("3. > You climb the stairs."), "\(resumed.output)")
        let exported = try runDungeon(["export", "1", "--format", "txt", "--all-branches", "--saves", folders.saves])
        #expect(exported.output.contains("Branch 1 · from the opening"), "\(exported.output)")  // the retried reply kept
        #expect(!exported.output.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    }

    @Test func ctrlCMidReplyStopsItOnTheServer() throws {
        // A wider model, so that 400 tokens take llama.cpp a few seconds.
        let wide = folders.scratch.url.appendingPathComponent("wide")
        try RandomCheckpoint.write(to: wide, layers: 8, width: 512, periodBias: 0)
        let server = try LlamaServer(model: wide.path, folder: folders.scratch.url)
        let game = try LiveGame(["play", "--plain", "--new", "--prompt", "You run.", "--saves", folders.saves, "--seed", "3",
                                 "--backend", server.url])
        #expect(game.waitForOutput("You run."))
        game.send("/set length 400")
        game.send("keep running")
        #expect(game.waitForOutput("> You keep running."))
        usleep(700_000)
        game.signal(SIGINT)
        // The server's slot goes idle, having written fewer than the 400 tokens asked for.
        let deadline = Date().addingTimeInterval(10)
        var slot: [String: Any] = [:]
        repeat {
            usleep(100_000)
            let data = try Data(contentsOf: URL(string: server.url + "/slots")!)
            slot = (try JSONSerialization.jsonObject(with: data) as? [[String: Any]])?.first ?? [:]
        } while slot["is_processing"] as? Bool == true && Date() < deadline
        #expect(slot["is_processing"] as? Bool == false, "\(slot)")
        let decoded = (slot["next_token"] as? [[String: Any]])?.first?["n_decoded"] as? Int
            ?? (slot["next_token"] as? [String: Any])?["n_decoded"] as? Int
        #expect((decoded ?? 400) < 400, "\(slot)")
        game.closeInput()
        #expect(game.exitStatus(within: 20) == 0)
        #expect(game.outputText.contains("your action was taken back") || game.outputText.contains("Stopped"), "\(game.outputText)")
    }

    @Test func theBenchmarkReadsAheadThroughTheServersPromptCache() throws {
        let server = try LlamaServer(model: folders.model, folder: folders.scratch.url)
        let bench = try runDungeon(["bench", "--game", "--turns", "4", "--backend", server.url], timeout: 300)
        #expect(bench.status == 0, "\(bench.error)")
        #expect(bench.output.contains("@ llama.cpp"), "\(bench.output)")
        #expect(bench.output.contains("counting gpt2"))  // its /tokenize agrees with GPT-2's tokenizer
        #expect(bench.output.contains("| off, server's prompt cache off |"))
        #expect(bench.output.contains("| on, recall on |"))
    }
}

/// `llama-server` on a free port, serving `model` converted to GGUF; stopped with the test.
final class LlamaServer {
    let process = Process()
    let url: String

    init(model: String, folder: URL) throws {
        let binary = try Self.script(["binary"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let gguf = folder.appendingPathComponent("model.gguf").path
        if !FileManager.default.fileExists(atPath: gguf) { _ = try Self.script(["gguf", model, gguf]) }
        let port = try freePort()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-m", gguf, "--host", "127.0.0.1", "--port", "\(port)", "-c", "1024", "-t", "2", "-np", "1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        url = "http://127.0.0.1:\(port)"
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, process.isRunning {
            if let data = try? Data(contentsOf: URL(string: url + "/health")!),
               String(decoding: data, as: UTF8.self).contains("ok") { return }
            usleep(100_000)
        }
        throw ServeFailure(message: "llama-server did not start")
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Runs Scripts/llama-server; its standard output.
    private static func script(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = repositoryRoot.appendingPathComponent("Scripts/llama-server")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ServeFailure(message: "Scripts/llama-server \(arguments.joined(separator: " ")) failed")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A port nothing listens on now (the kernel's pick for a socket bound to port 0).
func freePort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
    }
    guard bound else { throw ServeFailure(message: "no free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}
