import Foundation
import TestSupport
import Testing

/// The signal matrix: SIGTERM, SIGINT and SIGHUP while the game waits for input, while it
/// reads a long prompt, and while it writes a reply; in plain mode and full screen. Every
/// case must end the game within 2 seconds with the save intact and (full screen) the
/// terminal restored. SIGINT during a reply stops the reply instead; a second one quits.
@Suite(.serialized) struct SignalTests {
    enum Phase: String, CaseIterable { case waiting, prefill, streaming }

    static let signals: [(Int32, String)] = [(SIGTERM, "TERM"), (SIGINT, "INT"), (SIGHUP, "HUP")]

    /// A saves folder holding one adventure whose opening is about 700 tokens (the first
    /// action's prompt takes a while to read) and whose replies may be 512 tokens long.
    static func savesWithALongAdventure(in folder: URL) throws -> String {
        let saves = folder.appendingPathComponent("saves")
        try FileManager.default.createDirectory(at: saves, withIntermediateDirectories: true)
        let opening = String(repeating: "The road bends north past the mill, where the river runs loud and grey. ", count: 45)
        let adventure: [String: Any] = [
            "title": "Signals", "scenario": "custom", "opening": opening, "authorsNote": "", "memory": [String](),
            "worldInfo": [Any](), "turns": [Any](), "undone": [Any](), "detectsEndings": false, "continuedAfterEnding": false,
            "settings": ["temperature": 0.8, "topK": 40, "topP": 0.9, "repetitionPenalty": 1.15, "replyLength": 512],
        ]
        let file = folder.appendingPathComponent("signals.json")
        try JSONSerialization.data(withJSONObject: ["format": "dungeon-adventure", "version": 1, "exportedAt": "2026-01-01T00:00:00Z", "adventure": adventure])
            .write(to: file)
        let imported = try runDungeon(["import", file.path, "--saves", saves.path])
        try #require(imported.status == 0, "\(imported.error)")
        return saves.path
    }

    /// Copies a prepared saves folder, so each case starts from the same file.
    static func copy(_ saves: String, to name: String, in folder: URL) throws -> String {
        let copy = folder.appendingPathComponent(name).path
        try FileManager.default.copyItem(atPath: saves, toPath: copy)
        return copy
    }

    /// The save opens (SQLite's quick_check runs at open) and holds the opening and, if
    /// `withAction`, the action; otherwise not the action.
    static func expectIntact(_ saves: String, withAction: Bool, _ label: String) throws {
        let export = try runDungeon(["export", "1", "--format", "txt", "--saves", saves])
        #expect(export.status == 0, "\(label): \(export.error)")
        #expect(export.output.contains("river runs loud"), "\(label)")
        #expect(export.output.contains("> You climb the old stair.") == withAction, "\(label)")
    }

    /// Runs `body` for every signal and phase, each with a fresh copy of the prepared saves
    /// and a random model, then checks the save as each case must leave it: SIGINT stopped
    /// the reply, so its action was taken back; TERM and HUP leave it saved.
    static func eachCase(_ mode: String,
                         _ body: (_ signal: Int32, _ phase: Phase, _ label: String, _ model: String, _ saves: String) throws -> Void) throws {
        let scratch = try ScratchFolder()
        let model = scratch.url.appendingPathComponent("model")
        try RandomCheckpoint.write(to: model, layers: 4, heads: 4, width: 256)
        let prepared = try Self.savesWithALongAdventure(in: scratch.url)
        for (number, name) in Self.signals {
            for phase in Phase.allCases {
                let label = "\(mode), SIG\(name) while \(phase)"
                let saves = try Self.copy(prepared, to: "saves-\(name)-\(phase)", in: scratch.url)
                try body(number, phase, label, model.path, saves)
                try Self.expectIntact(saves, withAction: phase != .waiting && number != SIGINT, label)
            }
        }
    }

    @Test func plainModeEndsAtOnceOnEverySignal() throws {
        try Self.eachCase("plain mode") { number, phase, label, model, saves in
            let game = try LiveGame(["play", "--plain", "--adventure", "1", "--model", model, "--saves", saves,
                                     "--seed", "3", "--threads", "1"])
            #expect(game.waitForOutput("river runs loud"), "\(label): no opening; \(game.errorText)")
            let opened = game.outputCount
            if phase != .waiting {
                // The echo is printed once the action is saved, just before the prompt is read.
                game.send("climb the old stair")
                #expect(game.waitForOutput("> You climb the old stair.\n", after: opened), "\(label)")
                if phase == .streaming {
                    let echoed = game.outputCount
                    #expect(game.waitForOutput(".", after: echoed), "\(label): no sentence streamed")
                }
            }
            game.signal(number)
            if number == SIGINT && phase != .waiting {
                #expect(game.waitForOutput("Stopped", after: opened, timeout: 2), "\(label): \(game.outputText.suffix(300))")
                game.signal(number)
            }
            let status = game.exitStatus(within: 2)
            #expect(status == 0, "\(label): exit \(status.map(String.init) ?? "none within 2 s"); \(game.errorText)")
            game.closeInput()
        }
    }

    @Test func fullScreenEndsAtOnceOnEverySignal() throws {
        try #require(TmuxTests.hasTmux, "tmux is not installed (.ci/run installs it)")
        try Self.eachCase("full screen") { number, phase, label, model, saves in
            let pidFile = saves + "/game.pid"
            let tmux = Tmux()
            defer { tmux.kill() }
            try tmux.start("sh -c 'echo $$ > \(pidFile); exec \(dungeonBinary.path) --adventure 1 --model \(model) "
                           + "--saves \(saves) --seed 3 --threads 1'; echo EXITED $?; stty -a | grep -o ' -*echo '; "
                           + "echo CHECKED; sleep 600", width: 80, height: 24)
            try tmux.waitFor("\(label): the story") { $0.joined().contains("river runs loud") && $0.joined().contains("F1 help") }
            let pid = pid_t(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))!
            if phase != .waiting {
                try tmux.type("climb the old stair")
                try tmux.send("Enter")
                try tmux.waitFor("\(label): the action") { $0.contains { $0.contains("> You climb the old stair.") } }
                if phase == .streaming {
                    try tmux.waitFor("\(label): a reply being written") { screen in
                        guard let action = screen.lastIndex(where: { $0.contains("> You climb the old stair.") }) else { return false }
                        return screen.joined().contains("writing…") && screen[(action + 1)...].contains { $0.contains(".") }
                    }
                }
            }
            kill(pid, number)
            if number == SIGINT && phase != .waiting {
                try tmux.waitFor("\(label): the reply stopped", timeout: 2) { $0.joined().contains("Stopped") }
                kill(pid, number)
            }
            let lines = try tmux.waitFor("\(label): the exit", timeout: 2) { $0.joined().contains("CHECKED") }
            #expect(lines.joined().contains("EXITED 0"), "\(label)")
            #expect(lines.contains { $0.trimmingCharacters(in: .whitespaces) == "echo" }, "\(label): \(lines)")  // not "-echo"
        }
    }
}
