import Foundation
import TestSupport
import Testing

/// Drives the full-screen game in a real terminal (tmux) and reads the screen back.
struct Tmux {
    let socket = "dungeon-test-\(UUID().uuidString.prefix(8))"
    let session = "game"

    /// Runs a tmux command and waits for it. posix_spawn and waitpid rather than Foundation's
    /// Process: on Linux, Process notices an exit through a descriptor that the tmux server it
    /// starts inherits, so waiting for `new-session` would never end.
    @discardableResult
    func run(_ arguments: [String], capture: Bool = false) throws -> String {
        let outputPath = capture ? NSTemporaryDirectory() + "tmux-\(UUID().uuidString).txt" : "/dev/null"
        defer { if capture { try? FileManager.default.removeItem(atPath: outputPath) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = (["tmux", "-L", socket] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        // The test's thread may block signals; the game must start with none blocked and
        // default handlers, as from a shell, or it would never see SIGWINCH.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        guard posix_spawnp(&pid, "tmux", &actions, &attributes, argv, environ) == 0 else {
            throw TimeoutError(command: "spawn tmux")
        }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return capture ? ((try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "") : ""
    }

    func start(_ command: String, width: Int = 100, height: Int = 30) throws {
        try run(["new-session", "-d", "-s", session, "-x", "\(width)", "-y", "\(height)", command])
    }

    func send(_ keys: String...) throws {
        try run(["send-keys", "-t", session] + keys)
    }

    func type(_ text: String) throws {
        try run(["send-keys", "-t", session, "-l", text])
    }

    func screen() throws -> [String] {
        try run(["capture-pane", "-p", "-t", session], capture: true).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// Polls the screen until `condition` holds, for up to `timeout` seconds. It must hold on
    /// two captures 50 ms apart: a capture can catch a frame half drawn (the story updated,
    /// the status bar not yet), which a player never sees.
    @discardableResult
    func waitFor(_ description: String, timeout: Double = 60, _ condition: ([String]) -> Bool) throws -> [String] {
        let deadline = Date().addingTimeInterval(timeout)
        var lines: [String] = []
        while Date() < deadline {
            lines = try screen()
            if condition(lines) {
                usleep(50_000)
                let again = try screen()
                if condition(again) { return again }
                continue
            }
            usleep(100_000)
        }
        Issue.record("timed out waiting for \(description); screen:\n\(lines.joined(separator: "\n"))")
        throw TimeoutError(command: description)
    }

    func kill() {
        _ = try? run(["kill-server"])
    }
}

@Suite(.serialized) struct TmuxTests {
    static var hasTmux: Bool {
        ["/usr/bin/tmux", "/usr/local/bin/tmux"].contains { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test func playQuitRestartContinue() throws {
        try #require(Self.hasTmux, "tmux is not installed (.ci/run installs it)")
        let folders = try GameFolders()
        let tmux = Tmux()
        defer { tmux.kill() }
        let command = "\(dungeonBinary.path) --model \(folders.model) --saves \(folders.saves) --seed 3; echo EXITED $?; sleep 600"

        try tmux.start(command)
        try tmux.waitFor("the start menu") { $0.joined().contains("New adventure") }
        try tmux.send("n")
        try tmux.waitFor("the scenarios") { $0.joined().contains("The Kingdom of Velmora") }
        try tmux.send("Enter")
        try tmux.waitFor("the characters") { $0.joined().contains("Knight") }
        try tmux.send("Enter")
        try tmux.waitFor("the story") { $0.joined().contains("You are a knight of Velmora") && $0.contains { $0.hasPrefix("Do >") } }

        for action in ["open the gate", "light a torch", "walk north"] {
            try tmux.type(action)
            try tmux.send("Enter")
            try tmux.waitFor("the reply to \(action)") { lines in
                let text = lines.joined(separator: "\n")
                return text.contains("> You \(action).") && lines.last { !$0.isEmpty }?.contains("F1 help") == true
            }
            // Random weights can fail to write a usable reply; retrying is what a player would do.
            for _ in 0..<3 where try tmux.screen().joined().contains("nothing usable") {
                try tmux.type("/retry")
                try tmux.send("Enter")
                try tmux.waitFor("a retry") { $0.last { !$0.isEmpty }?.contains("F1 help") == true }
            }
        }
        try tmux.type("/undo")
        try tmux.send("Enter")
        // The loop guard may start another reply after one that repeated itself; Enter is then
        // refused with a notice and the command stays in the line. A player waits and presses
        // Enter again.
        for _ in 0..<3 {
            let screen = try tmux.waitFor("the undo or a refusal") { lines in
                !lines.joined().contains("> You walk north.") || lines.joined().contains("A reply is being written")
            }
            // Refused: the command is still in the input line.
            guard screen.contains(where: { $0.hasPrefix("Do > /undo") }) else { break }
            let idle = try tmux.waitFor("the reply to end") { $0.last { !$0.isEmpty }?.contains("F1 help") == true }
            // A capture can catch a frame half drawn: press Enter only if the command is really still there.
            guard idle.contains(where: { $0.hasPrefix("Do > /undo") }) else { break }
            try tmux.send("Enter")
            try tmux.waitFor("the command to be taken") { lines in
                !lines.contains { $0.hasPrefix("Do > /undo") } || lines.joined().contains("A reply is being written")
            }
        }
        // Ctrl-C quits only when no reply is being written (otherwise it stops the reply).
        let before = try tmux.waitFor("the undo, the game idle") { lines in
            !lines.joined().contains("> You walk north.") && lines.last { !$0.isEmpty }?.contains("F1 help") == true
        }
        #expect(before.joined().contains("> You light a torch."))
        // The story pane (the undo's notice, on its own row above the input line, is not story).
        let storyBefore = Array(before.prefix(27))

        try tmux.send("C-c")
        let after = try tmux.waitFor("the game to quit", timeout: 20) { $0.joined().contains("EXITED 0") }
        // The terminal is back to the shell: no game screen is left behind.
        #expect(!after.joined().contains("F1 help"))

        tmux.kill()
        let again = Tmux()
        defer { again.kill() }
        try again.start(command)
        try again.waitFor("the start menu again") { $0.joined().contains("Continue: The Kingdom of Velmora") }
        try again.send("c")
        let resumed = try again.waitFor("the story again") { $0.contains { $0.hasPrefix("Do >") } }
        #expect(Array(resumed.prefix(27)) == storyBefore)
        try again.send("C-c")
        try again.waitFor("the second quit", timeout: 20) { $0.joined().contains("EXITED 0") }
    }

    /// A kept card in full screen: the menu lists it, its greetings are offered, the name is
    /// asked on the input line, and the adventure opens with the chosen greeting told to "you".
    @Test func aCardStartsInFullScreen() throws {
        try #require(Self.hasTmux, "tmux is not installed (.ci/run installs it)")
        let folders = try GameFolders()
        let card = repositoryRoot.appendingPathComponent("Tests/StorageTests/Fixtures/lore/card-v3.png").path
        #expect(try runDungeon(["import", card, "--saves", folders.saves]).status == 0)
        let tmux = Tmux()
        defer { tmux.kill() }
        try tmux.start("\(dungeonBinary.path) --model \(folders.model) --saves \(folders.saves) --seed 3; echo EXITED $?; sleep 600")
        try tmux.waitFor("the start menu") { $0.joined().contains("New adventure") }
        try tmux.send("n")
        try tmux.waitFor("the card in the menu") { $0.joined().contains("Card: Seraphina — Sera is a guardian of the forest") }
        for _ in 0..<5 { try tmux.send("Down") }
        try tmux.send("Enter")
        try tmux.waitFor("the greetings") { $0.joined().contains("Seraphina: choose how it begins") }
        try tmux.send("Down")
        try tmux.send("Enter")
        try tmux.waitFor("the name question") { $0.contains { $0.hasPrefix("Your name:") } }
        try tmux.type("Ash")
        try tmux.send("Enter")
        let story = try tmux.waitFor("the card's opening") { lines in
            lines.joined().contains("The glade is quiet when you arrive. Sera watches from the trees.") && lines.contains { $0.hasPrefix("Do >") }
        }
        #expect(story.joined(separator: "\n").contains("Started from Seraphina's card"))
        try tmux.type("/context")
        try tmux.send("Enter")
        try tmux.waitFor("memory with the player's name") { $0.joined().contains("Scenario: Ash wakes in Sera's glade") }
        try tmux.send("Escape")
        try tmux.type("/quit")
        try tmux.send("Enter")
        try tmux.waitFor("the game to end") { $0.joined().contains("EXITED 0") }
    }

    @Test func tinyWindowAndResize() throws {
        try #require(Self.hasTmux, "tmux is not installed (.ci/run installs it)")
        let folders = try GameFolders()
        let tmux = Tmux()
        defer { tmux.kill() }
        try tmux.start("\(dungeonBinary.path) --model \(folders.model) --saves \(folders.saves); echo EXITED $?; sleep 600",
                       width: 20, height: 5)
        try tmux.waitFor("the too-small notice") { $0.joined().contains("Window too small") }
        try tmux.run(["resize-window", "-t", tmux.session, "-x", "80", "-y", "24"])
        try tmux.waitFor("the menu after resizing") { $0.joined().contains("New adventure") }
        try tmux.run(["kill-session", "-t", tmux.session])
    }

    @Test func sigtermRestoresTheTerminal() throws {
        try #require(Self.hasTmux, "tmux is not installed (.ci/run installs it)")
        let folders = try GameFolders()
        let tmux = Tmux()
        defer { tmux.kill() }
        let pidFile = folders.saves + ".pid"
        try tmux.start("sh -c 'echo $$ > \(pidFile); exec \(dungeonBinary.path) --model \(folders.model) --saves \(folders.saves)'; "
                       + "echo EXITED $?; stty -a | grep -o ' -*echo '; echo CHECKED; sleep 600")
        try tmux.waitFor("the start menu") { $0.joined().contains("New adventure") }
        let pid = try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        kill(pid_t(pid)!, SIGTERM)
        let lines = try tmux.waitFor("the exit", timeout: 20) { $0.joined().contains("CHECKED") }
        #expect(lines.joined().contains("EXITED 0"))
        #expect(lines.contains { $0.trimmingCharacters(in: .whitespaces) == "echo" }, "\(lines)")  // not "-echo"
    }
}

@Suite(.serialized) struct FirstRunTmuxTests {
    @Test func firstRunDownloadsAModelThenPlays() throws {
        try #require(TmuxTests.hasTmux, "tmux is not installed (.ci/run installs it)")
        let mirror = try ScratchFolder()
        try RandomCheckpoint.write(to: mirror.url, layers: 1, width: 16, positions: 256)
        let server = try LocalServer(serving: mirror.url)
        let home = try ScratchFolder()
        let models = home.url.appendingPathComponent("models").path
        let saves = home.url.appendingPathComponent("saves").path
        let tmux = Tmux()
        defer { tmux.kill() }
        try tmux.start("DUNGEON_MODEL_MIRROR=\(server.base) \(dungeonBinary.path) --models \(models) --saves \(saves) --seed 2; "
                       + "echo EXITED $?; sleep 600")
        try tmux.waitFor("the download offer") { $0.joined().contains("Download gpt2") }
        try tmux.send("Enter")
        try tmux.waitFor("the model to be ready") { $0.joined().contains("gpt2 f32 is ready") }
        try tmux.send("n")
        try tmux.waitFor("the scenarios") { $0.joined().contains("The Kingdom of Velmora") }
        try tmux.send("Enter")
        try tmux.waitFor("the characters") { $0.joined().contains("Knight") }
        try tmux.send("Enter")
        try tmux.waitFor("the story") { $0.contains { $0.hasPrefix("Do >") } }
        try tmux.type("look around")
        try tmux.send("Enter")
        try tmux.waitFor("the reply") { lines in
            lines.joined().contains("> You look around.") && lines.last { !$0.isEmpty }?.contains("F1 help") == true
        }
        #expect(FileManager.default.fileExists(atPath: models + "/gpt2/model.safetensors"))
        try tmux.send("C-c")
        try tmux.waitFor("the quit", timeout: 20) { $0.joined().contains("EXITED 0") }
    }
}
