import Foundation
import TestSupport
import Testing

/// Untrusted bytes (a model's output, a save file edited by someone else, the player's own
/// input echoed back) never reach the terminal as control characters or escape sequences.
@Suite struct HostileBytesTests {
    /// True when `text` holds a C0 control other than newline and tab, DEL, or a C1 control.
    static func hasControls(_ text: String) -> Bool {
        text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || (0x7F...0x9F).contains($0.value) }
    }

    /// A model whose noise is mostly ESC (token 215), "]" (60) and BEL (195): OSC sequences.
    static func hostileModel(in folder: ScratchFolder) throws -> String {
        let url = folder.url.appendingPathComponent("hostile-model")
        try RandomCheckpoint.write(to: url, periodBias: 6, favouredTokens: [215, 60, 195])
        return url.path
    }

    @Test func modelOutputIsCleanOnEveryPath() throws {
        let folder = try ScratchFolder()
        let model = try Self.hostileModel(in: folder)
        let generated = try runDungeon(["generate", "--model", model, "--prompt", "You enter the hall.", "--max-tokens", "200", "--seed", "1"])
        #expect(generated.status == 0, "\(generated.error)")
        #expect(!Self.hasControls(generated.output), "\(generated.output.debugDescription.prefix(300))")
        #expect(!generated.output.isEmpty)

        let saves = folder.url.appendingPathComponent("saves").path
        let played = try runDungeon(["play", "--plain", "--new", "--prompt", "You enter the hall.", "--model", model, "--saves", saves,
                                     "--seed", "1"], input: "look around\nwait\n")
        #expect(played.status == 0, "\(played.error)")
        #expect(played.output.contains("> You look around."))
        #expect(!Self.hasControls(played.output), "\(played.output.debugDescription.prefix(300))")
    }

    @Test func playerInputEchoedInNoticesIsClean() throws {
        let folders = try GameFolders()
        let result = try runDungeon(["play", "--plain", "--new", "--prompt", "You wake.", "--model", folders.model, "--saves", folders.saves],
                                    input: "/foo\u{1B}]0;owned\u{07}\n/export md /nonexistent/\u{1B}[2Jdir/x.md\n")
        #expect(result.output.contains("! unknown command /foo"))
        #expect(!Self.hasControls(result.output) && !result.output.contains("owned") && !result.output.contains("[2J"),
                "\(result.output.debugDescription)")
    }

    /// A save edited by another program: every place that shows it sanitises.
    @Test func aHostileSaveIsShownClean() throws {
        let folders = try GameFolders()
        let common = ["--model", folders.model, "--saves", folders.saves, "--seed", "3"]
        #expect(try runDungeon(["play", "--plain", "--new", "--prompt", "You wake.", "--seed", "3"] + common.dropLast(2), input: "wait\n").status == 0)
        let database = folders.saves + "/dungeon.sqlite"
        let script = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("UPDATE adventure SET title = 'Evil' || char(27) || ']0;owned' || char(7) || ' title'")
            db.execute("UPDATE node SET replyText = 'Clear' || char(27) || '[2J screen' || char(155) || '31m and' || char(27) || ']52;c;aGk=' || char(7) || ' clip.'")
            db.commit()
            """
        try runPython(script, database)

        let list = try runDungeon(["list", "--saves", folders.saves])
        #expect(list.output.contains("Evil title"), "\(list.output)")
        let replay = try runDungeon(["play", "--plain", "--continue"] + common, input: "")
        #expect(replay.output.contains("Clear screen and clip."), "\(replay.output)")
        let context = try runDungeon(["context", "1", "--saves", folders.saves, "--model", folders.model])
        for output in [list.output, replay.output, context.output, list.error, replay.error] {
            #expect(!Self.hasControls(output) && !output.contains("owned") && !output.contains("aGk="), "\(output.debugDescription)")
        }
    }

    @Test func anActionThatCanNeverFitIsRefusedBeforeItBecomesATurn() throws {
        let folders = try GameFolders()
        let huge = String(repeating: "run and jump and shout ", count: 4_500)  // about 100 KB
        let result = try runDungeon(["play", "--plain", "--new", "--prompt", "You wake.", "--model", folders.model, "--saves", folders.saves],
                                    input: huge + "\nwait\n")
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.range(of: #"! that action is \d+ tokens; at most \d+ fit"#, options: .regularExpression) != nil,
                "\(result.output.suffix(400))")
        #expect(result.output.contains("> You wait."))
        let export = try runDungeon(["export", "1", "--format", "txt", "--saves", folders.saves])
        #expect(!export.output.contains("run and jump"))
        #expect(export.output.contains("> You wait."))
    }
}
