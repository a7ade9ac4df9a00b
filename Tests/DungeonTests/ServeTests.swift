import Foundation
import TestSupport
import Testing

/// `dungeon serve` end to end, through the clients players' tools use (the `openai` and
/// `koboldapi` packages, in the venv `Scripts/client-venv` makes) and curl, against a
/// random-weight GPT-2: noise, but the same noise for the same seed wherever it is asked.
@Suite(.serialized)
struct ServeTests {
    let folders: GameFolders

    init() throws { folders = try GameFolders() }

    @Test func theSameSeedWritesTheSameTextThroughBothAPIsStreamedOrNotAndThroughGenerate() throws {
        let server = try ServedModel(model: folders.model)
        let asked: [String: Any] = ["prompt": "You stand before the gate.", "max_tokens": 24, "seed": 77,
                                    "temperature": 0.9, "top_p": 0.95, "extra": ["top_k": 50, "rep_pen": 1.1]]
        let openAI = try clients("openai-plain", server.url, asked)
        let text = try #require(openAI["text"] as? String)
        #expect(!text.isEmpty)
        #expect(openAI["completion_tokens"] as? Int == 24 && openAI["finish_reason"] as? String == "length")
        #expect(try clients("kobold-plain", server.url, asked)["text"] as? String == text)
        #expect((try clients("openai-stream", server.url, asked)["pieces"] as? [String])?.joined() == text)
        let koboldPieces = try #require(try clients("kobold-stream", server.url, asked)["pieces"] as? [String])
        #expect(koboldPieces.joined() == text)
        #expect(koboldPieces.count > 5)  // a piece per token, not one at the end

        // The server's KoboldCpp defaults and order, given to `dungeon generate` as flags.
        let generated = try runDungeon([
            "generate", "--model", folders.model, "--prompt", "You stand before the gate.", "--max-tokens", "24",
            "--seed", "77", "--preset", "classic", "--temperature", "0.9", "--top-p", "0.95", "--top-k", "50",
            "--repetition-penalty", "1.1", "--repetition-range", "320", "--order", "top-k,top-a,typical,top-p,min-p,tail-free,temperature,xtc",
        ])
        #expect(generated.status == 0)
        #expect(generated.output == text + "\n")
    }

    @Test func aStopSequenceEndsTheReplyWithoutAppearingInIt() throws {
        let server = try ServedModel(model: folders.model)
        var asked: [String: Any] = ["prompt": "The hall.", "max_tokens": 40, "seed": 5, "temperature": 1.0, "top_p": 1.0,
                                    "top_k": 40, "extra": ["top_k": 40]]
        let whole = try #require(try clients("openai-plain", server.url, asked)["text"] as? String)
        // Three characters from the middle, likely across a token boundary: the text before
        // their first appearance must come back, and nothing of them.
        let stop = String(whole.dropFirst(whole.count / 2).prefix(3))
        let cut = try #require(whole.range(of: stop))
        asked["stop"] = [stop]
        let stopped = try clients("openai-plain", server.url, asked)
        #expect(stopped["text"] as? String == String(whole[..<cut.lowerBound]))
        #expect(stopped["finish_reason"] as? String == "stop")
        asked["extra"] = ["top_k": 40, "stop_sequence": [stop]]
        asked["stop"] = nil
        #expect((try clients("kobold-stream", server.url, asked)["pieces"] as? [String])?.joined() == String(whole[..<cut.lowerBound]))
    }

    @Test func tokenCountsAreDungeonTokenizes() throws {
        let server = try ServedModel(model: folders.model)
        let text = "The dragon's hoard: 1,024 coins, a café sign and 🐉!"
        let counted = try clients("kobold-tokens", server.url, ["text": text])
        let tokenized = try runDungeon(["tokenize", "--model", folders.model, text])
        let ids = tokenized.output.split(separator: "\n")[0].split(separator: " ").compactMap { Int($0) }
        #expect(counted["tokens"] as? [Int] == ids)
        #expect(counted["count"] as? Int == ids.count)
    }

    @Test func anAbortStopsAStreamMidway() throws {
        let server = try ServedModel(model: folders.model)
        let result = try clients("kobold-abort", server.url, ["prompt": "Run.", "max_tokens": 1000, "seed": 1, "temperature": 1.0,
                                                              "top_p": 1.0, "extra": ["ban_eos_token": true]])
        #expect(result["aborted"] as? [String] == ["true"])
        #expect((result["pieces"] as? Int ?? 1000) < 1000)
        #expect(server.waitForLog("stopped by the client"))
    }

    @Test func curlReadsEachAPIsEventsInOrder() throws {
        let server = try ServedModel(model: folders.model)
        let body = #"{"prompt": "A torch.", "max_length": 16, "max_tokens": 16, "sampler_seed": 3, "seed": 3, "stream": true}"#
        let kobold = try curl(["-sN", "-X", "POST", server.url + "/api/extra/generate/stream", "-d", body])
        let events = kobold.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        #expect(events.allSatisfy { $0.hasPrefix("event: message\ndata: {") })
        let data = try events.map { event -> [String: Any] in
            try JSONSerialization.jsonObject(with: Data(event.dropFirst("event: message\ndata: ".count).utf8)) as! [String: Any]
        }
        #expect(data.dropLast().allSatisfy { $0["finish_reason"] as? String == "null" })
        #expect(data.last?["finish_reason"] as? String == "length")
        let streamed = data.compactMap { $0["token"] as? String }.joined()
        let plain = try curl(["-s", "-X", "POST", server.url + "/api/v1/generate", "-d", body])
        let results = try JSONSerialization.jsonObject(with: Data(plain.utf8)) as? [String: Any]
        #expect(((results?["results"] as? [[String: Any]])?.first?["text"] as? String) == streamed)

        let openAI = try curl(["-sN", server.url + "/v1/completions", "-H", "Content-Type: application/json", "-d", body])
        let chunks = openAI.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        #expect(chunks.last == "data: [DONE]")
        #expect(chunks.dropLast().allSatisfy { $0.hasPrefix("data: {\"") })
    }

    @Test func eightClientsAtOnceEachGetTheirOwnTextInOrder() throws {
        let server = try ServedModel(model: folders.model)
        let result = try clients("load", server.url, ["clients": 8, "requests": 10])
        #expect(result["statuses"] as? [String: Int] == ["200": 80])
        #expect((result["mismatched"] as? [Any])?.isEmpty == true, "\(result["mismatched"] ?? "")")
    }

    @Test func aClientKilledMidStreamStopsItsGeneration() throws {
        // Wide enough, on one thread, that 1,000 tokens take seconds: finishing them all
        // would show the server had not noticed.
        let scratch = try ScratchFolder()
        let model = scratch.url.appendingPathComponent("wide")
        try RandomCheckpoint.write(to: model, width: 512)
        let server = try ServedModel(model: model.path, extra: ["--threads", "1"])
        let reader = try CurlStream(["-sN", "-X", "POST", server.url + "/api/extra/generate/stream", "-d",
                                     #"{"prompt": "Go.", "max_length": 1000, "ban_eos_token": true}"#])
        #expect(reader.waitFor("data: "))
        reader.kill()
        #expect(server.waitForLog("stopped by the client"), "\(server.log)")
        let line = server.log.split(separator: "\n").first { $0.contains("stopped by the client") } ?? ""
        let generated = line.components(separatedBy: ", ").first { $0.hasSuffix("tok/s") }?.split(separator: " ").first.flatMap { Int($0) }
        #expect((generated ?? 1000) < 1000, "\(line)")
        // The engine is free: the next request is answered.
        #expect(try curl(["-s", "-X", "POST", server.url + "/api/v1/generate", "-d", #"{"prompt": "Next.", "max_length": 2}"#])
            .contains("results"))
    }

    @Test func aRequestExtendingTheLastComputesOnlyWhatIsNew() throws {
        let server = try ServedModel(model: folders.model)
        let story = "You wake in a cold cell. A guard snores outside. The key hangs from his belt."
        let turn = " You reach through the bars for the key."
        let first = try tokenIDs(story, server)
        let second = try tokenIDs(story + turn, server)
        #expect(Array(second.prefix(first.count)) == first)
        for prompt in [story, story + turn] {
            _ = try curl(["-s", "-X", "POST", server.url + "/api/v1/generate", "-d",
                          String(decoding: try JSONSerialization.data(withJSONObject: ["prompt": prompt, "max_length": 8]), as: UTF8.self)])
        }
        #expect(server.waitForLog("prompt \(second.count) tokens (\(second.count - first.count) computed, \(first.count) reused)"),
                "\(server.log)")
    }

    @Test func aPromptLongerThanTheWindowIsCutInStepsThatKeepTheCacheUseful() throws {
        let server = try ServedModel(model: folders.model)
        let story = (0..<160).map { "Turn \($0): you walk on." }.joined(separator: " ")
        let turn = " You rest."
        let whole = try tokenIDs(story, server).count
        let longer = try tokenIDs(story + turn, server).count
        #expect(whole > 1014 && longer < 1014 + 256, "\(whole)")  // over the 1,014 the window leaves, by under a step
        for prompt in [story, story + turn] {
            _ = try curl(["-s", "-X", "POST", server.url + "/api/v1/generate", "-d",
                          String(decoding: try JSONSerialization.data(withJSONObject: ["prompt": prompt, "max_length": 10]), as: UTF8.self)])
        }
        // Both cut by the same 256-token step from the front, so the second reuses the first.
        #expect(server.waitForLog("cut 256 tokens from the front"))
        #expect(server.waitForLog("prompt \(longer - 256) tokens (\(longer - whole) computed, \(whole - 256) reused)"), "\(server.log)")
    }

    @Test func badRequestsGetAClearErrorAndTheServerGoesOn() throws {
        let server = try ServedModel(model: folders.model)
        func raw(_ arguments: [String: Any]) throws -> (Int, String) {
            let result = try clients("raw", server.url, arguments)
            let body = result["body"] as? [String: Any]
            let message = (body?["detail"] as? [String: Any])?["msg"] ?? (body?["error"] as? [String: Any])?["message"]
            return (result["status"] as? Int ?? 0, message as? String ?? "\(result["body"] ?? "")")
        }
        #expect(try raw(["path": "/api/v1/generate", "body_text": "{\"prompt\": "]) == (400, "the request body is not valid JSON"))
        #expect(try raw(["path": "/v1/completions", "body_text": "[]"]) == (400, "the request body must be a JSON object"))
        #expect(try raw(["path": "/api/v1/generate", "body_bytes": [0x7b, 0x22, 0xff, 0x22, 0x7d]]).0 == 400)
        #expect(try raw(["path": "/api/v1/generate", "body": ["prompt": 5]]) == (400, "prompt must be a string"))
        #expect(try raw(["path": "/api/v1/generate", "body": ["prompt": "x", "max_length": 2, "no_such_field": [1]]]).0 == 200)
        let (status, message) = try raw(["path": "/api/v1/generate", "body_bytes": [0x20], "repeat": 5 << 20])
        #expect(status == 413 && message.contains("MiB"))
        #expect(try raw(["path": "/api/v2/nothing", "method": "GET"]).0 == 404)
        let stops = Array(repeating: "x", count: 100)
        #expect(try raw(["path": "/v1/completions", "body": ["prompt": "x", "stop": stops]]).0 == 400)
        #expect(try raw(["path": "/api/extra/tokencount", "body": ["prompt": "still here"]]).0 == 200)
    }

    @Test func aKeyGuardsEverythingButTheVersionAndIsNeverLogged() throws {
        let key = "k3y-\(UUID().uuidString)"
        let server = try ServedModel(model: folders.model, extra: ["--api-key", key])
        let noKey = try clients("raw", server.url, ["path": "/api/v1/generate", "body": ["prompt": "x"]])
        #expect(noKey["status"] as? Int == 401)
        let wrong = try clients("raw", server.url, ["path": "/v1/completions", "body": ["prompt": "x"], "key": key + "x"])
        #expect(wrong["status"] as? Int == 401)
        #expect((wrong["body"] as? [String: Any])?["error"] != nil)  // OpenAI's shape
        let version = try clients("raw", server.url, ["path": "/api/extra/version", "method": "GET"])
        #expect((version["body"] as? [String: Any])?["protected"] as? Bool == true)
        let asked: [String: Any] = ["prompt": "x", "max_tokens": 4, "seed": 1, "temperature": 1.0, "top_p": 1.0, "key": key]
        #expect(try clients("openai-plain", server.url, asked)["completion_tokens"] as? Int == 4)
        #expect(try clients("kobold-plain", server.url, asked)["text"] is String)
        #expect(!server.log.contains(key))
    }

    @Test func anotherAddressWithoutAKeyIsRefusedWithTheReason() throws {
        let result = try runDungeon(["serve", "--model", folders.model, "--host", "0.0.0.0", "--port", "0"], timeout: 30)
        #expect(result.status == 1)
        #expect(result.error.contains("--api-key") && result.error.split(separator: "\n").count == 1, "\(result.error)")
    }

    @Test func withoutAModelTheServerSaysWhereItLooked() throws {
        let empty = try ScratchFolder()
        let result = try runDungeon(["serve", "--port", "0"], environment: ["DUNGEON_MODEL": "", "DUNGEON_MODELS": empty.url.path],
                                    timeout: 30)
        #expect(result.status == 1 && result.error.contains("No GPT-2 model found in \(empty.url.path)"), "\(result.error)")
        #expect(result.error.split(separator: "\n").count == 1)
    }

    @Test func aFloodOfSmallRequestsIsAnsweredWithBoundedMemory() throws {
        let server = try ServedModel(model: folders.model)
        _ = try clients("flood", server.url, ["count": 200])  // warm: buffers and caches reach their size
        let before = server.residentKilobytes
        let result = try clients("flood", server.url, ["count": 1000])
        let statuses = try #require(result["statuses"] as? [String: Int])
        // Every request answered: done, or refused with Retry-After when the queue was full.
        #expect(Set(statuses.keys).isSubset(of: ["200", "503"]), "\(statuses)")
        #expect(statuses.values.reduce(0, +) == 1000)
        #expect(server.residentKilobytes - before < 32_000, "resident memory grew from \(before) kB to \(server.residentKilobytes) kB")
        #expect(try clients("kobold-tokens", server.url, ["text": "after"])["count"] as? Int == 1)
    }

    @Test func sigtermDuringAStreamEndsTheServerAtOnce() throws {
        let server = try ServedModel(model: folders.model)
        let reader = try CurlStream(["-sN", "-X", "POST", server.url + "/api/extra/generate/stream", "-d",
                                     #"{"prompt": "Go.", "max_length": 1000, "ban_eos_token": true}"#])
        #expect(reader.waitFor("data: "))
        server.game.signal(SIGTERM)
        #expect(server.game.exitStatus(within: 2) == 0)
        reader.kill()
    }

    // MARK: - Helpers

    private func tokenIDs(_ text: String, _ server: ServedModel) throws -> [Int] {
        try clients("kobold-tokens", server.url, ["text": text])["tokens"] as? [Int] ?? []
    }
}

/// `dungeon serve` on a free port, its request log kept.
final class ServedModel {
    let game: LiveGame
    let url: String

    init(model: String, extra: [String] = []) throws {
        game = try LiveGame(["serve", "--model", model, "--port", "0"] + extra)
        let deadline = Date().addingTimeInterval(60)
        var port: Int?
        while port == nil && Date() < deadline && game.process.isRunning {
            if let line = game.errorText.split(separator: "\n").first(where: { $0.hasPrefix("Serving ") }),
               let address = line.range(of: "http://127.0.0.1:") {
                port = Int(line[address.upperBound...].prefix { $0.isNumber })
            }
            usleep(20_000)
        }
        guard let port else { throw ServeFailure(message: "the server did not start: \(game.errorText)") }
        url = "http://127.0.0.1:\(port)"
    }

    deinit {
        game.signal(SIGTERM)
        _ = game.exitStatus(within: 5)
    }

    var log: String { game.errorText }

    /// Waits (up to 10 s) for the request log to hold `text`.
    func waitForLog(_ text: String) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if log.contains(text) { return true }
            usleep(20_000)
        }
        return false
    }

    var residentKilobytes: Int {
        let status = (try? String(contentsOfFile: "/proc/\(game.process.processIdentifier)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}

struct ServeFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// The venv's python with the real clients (made by Scripts/client-venv, cached).
private let clientPython: String = {
    let process = Process()
    process.executableURL = repositoryRoot.appendingPathComponent("Scripts/client-venv")
    let output = Pipe()
    process.standardOutput = output
    try? process.run()
    let path = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return path.trimmingCharacters(in: .whitespacesAndNewlines)
}()

/// Runs a scenario of Tests/Clients/clients.py and returns what it printed.
func clients(_ scenario: String, _ url: String, _ arguments: [String: Any]) throws -> [String: Any] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: clientPython)
    let json = String(decoding: try JSONSerialization.data(withJSONObject: arguments), as: UTF8.self)
    process.arguments = [repositoryRoot.appendingPathComponent("Tests/Clients/clients.py").path, scenario, url, json]
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let errorBox = DataBox()
    DispatchQueue.global().async { errorBox.set(errors.fileHandleForReading.readDataToEndOfFile()) }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0, let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw ServeFailure(message: "clients.py \(scenario) failed: \(String(decoding: errorBox.get(), as: UTF8.self).suffix(2000))")
    }
    return object
}

/// curl's output for a request that ends.
func curl(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["curl", "--max-time", "60"] + arguments
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

/// curl reading a stream, to be killed midway.
final class CurlStream {
    private let process = Process()
    private let output = DataBox()

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let handle = pipe.fileHandleForReading
        DispatchQueue.global().async { [output] in
            while case let chunk = handle.availableData, !chunk.isEmpty { output.append(chunk) }
        }
    }

    func waitFor(_ text: String) -> Bool {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if String(decoding: output.get(), as: UTF8.self).contains(text) { return true }
            usleep(10_000)
        }
        return false
    }

    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
