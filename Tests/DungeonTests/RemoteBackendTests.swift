import Foundation
import TestSupport
import Testing

/// Playing against a backend on another machine, end to end: `dungeon serve` (both APIs)
/// writes the same story as the local engine for the same seed, and servers that fail mid-way
/// cost the player nothing but the action, taken back with a one-line reason.
@Suite(.serialized)
struct RemoteBackendTests {
    let folders: GameFolders

    init() throws { folders = try GameFolders() }

    private let actions = "/set length 24\nlook around\nopen the door\n/retry\n\"who goes there?\n/quit\n"

    private func play(
        _ source: [String], saves: String, input: String, extra: [String] = [], environment: [String: String] = [:]
    ) throws -> ProcessResult {
        try runDungeon(["play", "--plain", "--new", "--prompt", "You wake in the cellar of an inn.", "--seed", "21",
                        "--saves", saves] + source + extra, input: input, environment: environment)
    }

    private func export(_ saves: String) throws -> String {
        let exported = try runDungeon(["export", "1", "--format", "txt", "--all-branches", "--saves", saves])
        #expect(exported.status == 0, "\(exported.error)")
        return exported.output
    }

    @Test(arguments: ["kobold+", "openai+", ""])
    func aStoryPlayedThroughDungeonServeIsTheStoryPlayedLocally(scheme: String) throws {
        let local = folders.scratch.url.appendingPathComponent("local").path
        // The server reads each prompt as one request; reading ahead locally would split it
        // into chunks at whatever moment the next line arrives, and a chunked prompt's last
        // bits of rounding differ, which a near tie in random weights can turn into another token.
        let played = try play(["--model", folders.model], saves: local, input: actions, environment: ["DUNGEON_READ_AHEAD": "0"])
        #expect(played.status == 0, "\(played.error)")

        let server = try ServedModel(model: folders.model)
        let remote = folders.scratch.url.appendingPathComponent("remote-\(scheme)").path
        let through = try play(["--backend", scheme + server.url], saves: remote, input: actions)
        #expect(through.status == 0, "\(through.error)")
        #expect(!through.error.contains("Loading model"))  // nothing loaded here
        let story = try export(remote)
        #expect(story.contains("> You open the door."))
        let localStory = try export(local)
        #expect(story == localStory, "through the backend:\n\(story)\nlocally:\n\(localStory)\n\(through.error)")

        // Resumed later through the backend: the story goes on from the save.
        let resumed = try runDungeon(["play", "--plain", "--continue", "--seed", "22", "--saves", remote, "--backend", scheme + server.url],
                                     input: "climb the stairs\n/quit\n")
        #expect(resumed.status == 0, "\(resumed.error)")
        #expect(try export(remote).contains("> You climb the stairs."))
    }

    @Test func generateAsksTheBackendWhichAPIItSpeaksAndNamesIt() throws {
        let server = try ServedModel(model: folders.model)
        let generated = try runDungeon(["generate", "--backend", server.url, "--prompt", "The gate.", "--max-tokens", "12", "--seed", "5"])
        #expect(generated.status == 0, "\(generated.error)")
        #expect(!generated.output.isEmpty)
        #expect(generated.error.contains("@ dungeon at \(server.url)"))
        #expect(server.waitForLog("POST /api/extra/generate/stream 200"))
    }

    @Test func readingAheadThroughDungeonServeLeavesOnlyTheActionForEnter() throws {
        let server = try ServedModel(model: folders.model)
        let bench = try runDungeon(["bench", "--game", "--turns", "6", "--backend", "kobold+" + server.url], timeout: 300)
        #expect(bench.status == 0, "\(bench.error)")
        // "| on | p50 / p95 / max s | computed p50 / p95 / max | tok/s |": the prompt tokens computed after Enter.
        func computedMax(_ label: String) -> Int? {
            guard let row = bench.output.split(separator: "\n").first(where: { $0.hasPrefix("| \(label) |") }) else { return nil }
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            return cells.count > 2 ? Int(cells[2].split(separator: "/").last?.trimmingCharacters(in: .whitespaces) ?? "") : nil
        }
        let ahead = try #require(computedMax("on"), "\(bench.output)")
        let notAhead = try #require(computedMax("off"), "\(bench.output)")
        #expect(ahead <= 40 && notAhead > 100, "\(bench.output)")
    }

    @Test func aStopMidReplyStopsItOnTheServerToo() throws {
        let server = try ServedModel(model: folders.model)
        let game = try LiveGame(["play", "--plain", "--new", "--prompt", "You run.", "--saves", folders.saves, "--seed", "3",
                                 "--backend", "kobold+" + server.url])
        #expect(game.waitForOutput("You run."))
        game.send("/set length 400")
        game.send("keep running")
        #expect(game.waitForOutput("> You keep running."))
        // The reply is under way on the server (400 tokens take tens of seconds here) when the
        // player presses Ctrl-C: the server stops writing it.
        usleep(1_500_000)
        game.signal(SIGINT)
        #expect(server.waitForLog("POST /api/extra/generate/stream 200 (stream)"), "\(server.log)")
        #expect(server.log.contains("stopped by the client") || server.log.contains("the client left"), "\(server.log)")
        #expect(!server.log.contains("400 generated"))
        game.closeInput()
        #expect(game.exitStatus(within: 20) == 0)
    }

    @Test func aServerThatIsDownIsOneLineAndNothingIsCreated() throws {
        let result = try play(["--backend", "kobold+http://127.0.0.1:9"], saves: folders.saves, input: "look\n")
        #expect(result.status != 0)
        #expect(result.error.contains("cannot be reached"))
        #expect(result.error.split(separator: "\n").count == 1, "\(result.error)")
        #expect(!FileManager.default.fileExists(atPath: folders.saves))
    }

    @Test(arguments: [
        ("die", "closed the connection before the reply was finished"),
        ("silent", "sent nothing for 2 s"),
        ("garbage", "not its API's reply"),
        ("error", "answered 503: Server is busy"),
    ])
    func aServerThatFailsMidReplyTakesTheActionBack(mode: String, message: String) throws {
        let server = try FaultServer(mode: mode, folder: folders.scratch.url)
        let result = try play(["--backend", server.url, "--timeout", "2"], saves: folders.saves,
                              input: "look around\n/history\n/quit\n")
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains(message), "\(result.output)")
        #expect(result.output.contains("your action was taken back"))
        #expect(!result.output.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        let story = try export(folders.saves)
        #expect(story.contains("You wake in the cellar of an inn."))
        #expect(!story.contains("look around"))
    }

    @Test func controlBytesFromTheServerNeverReachTheTerminal() throws {
        let server = try FaultServer(mode: "controls", folder: folders.scratch.url)
        let result = try play(["--backend", server.url], saves: folders.saves, input: "ring the bell\n/quit\n")
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("The bell rings."), "\(result.output)")
        #expect(!result.output.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(!result.error.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    }

    @Test func fieldsTheServerRefusesAreLeftOutAndSaidOnce() throws {
        let server = try FaultServer(mode: "strict", folder: folders.scratch.url)
        let result = try play(["--backend", server.url], saves: folders.saves, input: "ring the bell\nring it again\n/quit\n")
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.components(separatedBy: "The bell rings.").count == 3, "\(result.output)")
        let notices = result.output.split(separator: "\n").filter { $0.contains("does not take") }
        #expect(notices.count == 1, "\(result.output)")
        #expect(notices.first?.contains("ban_eos_token") == true && notices.first?.contains("dungeon_sampler_order") == true)
    }

    @Test func theKeyIsSentAndNeverSaved() throws {
        let server = try ServedModel(model: folders.model, extra: ["--api-key", "sesame-4242"])
        let refused = try play(["--backend", server.url], saves: folders.saves, input: "look\n")
        #expect(refused.status != 0 && refused.error.contains("--api-key"), "\(refused.error)")
        let played = try play(["--backend", server.url], saves: folders.saves, input: "look\n/quit\n",
                              extra: ["--api-key", "sesame-4242"])
        #expect(played.status == 0, "\(played.error)")
        let file = try Data(contentsOf: URL(fileURLWithPath: folders.saves).appendingPathComponent("dungeon.sqlite"))
        #expect(file.range(of: Data("sesame-4242".utf8)) == nil)
        #expect(!(try export(folders.saves)).contains("sesame"))
    }
}

/// `fault_server.py` in one of its modes, stopped with the test.
final class FaultServer {
    let process = Process()
    let url: String

    init(mode: String, folder: URL) throws {
        let portFile = folder.appendingPathComponent("fault-\(mode)-\(UUID().uuidString).port").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repositoryRoot.appendingPathComponent("Tests/DungeonTests/fault_server.py").path, mode, portFile]
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: portFile) && Date() < deadline && process.isRunning { usleep(20_000) }
        guard let port = try? String(contentsOfFile: portFile, encoding: .utf8) else {
            throw ServeFailure(message: "the fault server did not start")
        }
        url = "http://127.0.0.1:\(port)"
    }

    deinit {
        // SIGKILL: the test process may pass SIGTERM on ignored, and a handler asleep holds the server up.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
