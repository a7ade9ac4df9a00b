import Foundation
import TestSupport
import Testing

/// The save file as a player handles it: commands that only read never change it, a start
/// that fails leaves nothing, the `.sqlite` file alone is the whole save after a clean exit,
/// and `dungeon backup` copies it whole while a game runs.
@Suite struct SaveFileTests {
    private func play(_ folders: GameFolders, _ input: String, new: Bool = true) throws -> ProcessResult {
        let start = new ? ["--new", "--prompt", "You wake in a cold cell."] : ["--continue"]
        return try runDungeon(["play", "--plain"] + start + ["--model", folders.model, "--saves", folders.saves, "--seed", "3"],
                              input: input)
    }

    private func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    @Test func commandsThatOnlyReadLeaveTheSaveFileAndItsLogByteIdentical() throws {
        let folders = try GameFolders()
        #expect(try play(folders, "look around\nwait\n").status == 0)
        let database = folders.saves + "/dungeon.sqlite"
        // A game still running keeps turns in the log: write one there and leave it unfolded.
        try runPython("""
            import sqlite3, sys, os
            db = sqlite3.connect(sys.argv[1])
            db.execute("PRAGMA wal_autocheckpoint = 0")
            db.execute("INSERT OR REPLACE INTO setting(key, value) VALUES ('probe', 'in the log')")
            db.commit()
            os._exit(0)
            """, database)
        let before = (bytes(database), bytes(database + "-wal"))
        #expect((before.1?.count ?? 0) > 0, "the log should hold the probe")
        let exportFile = folders.scratch.url.appendingPathComponent("story.md").path
        let backupFile = folders.scratch.url.appendingPathComponent("copy.sqlite").path
        for command in [["list"], ["export", "1", "--format", "md", "-o", exportFile], ["context", "1", "--model", folders.model],
                        ["search", "1", "anything"], ["backup", backupFile]] {
            let result = try runDungeon(command + ["--saves", folders.saves])
            #expect(result.status == 0, "\(command): \(result.error)")
            #expect(bytes(database) == before.0 && bytes(database + "-wal") == before.1, "\(command[0]) changed the save")
        }
    }

    @Test func listingAFolderWithNoSaveCreatesNothing() throws {
        let folder = try ScratchFolder()
        let saves = folder.url.appendingPathComponent("never").path
        let result = try runDungeon(["list", "--saves", saves])
        #expect(result.status == 0 && result.output.contains("No saved adventures"))
        #expect(!FileManager.default.fileExists(atPath: saves))
        #expect(try runDungeon(["export", "1", "--saves", saves]).status == 1)
        #expect(!FileManager.default.fileExists(atPath: saves))
    }

    @Test func aStartThatFailsOnTheModelLeavesNoSaveBehind() throws {
        let folder = try ScratchFolder()
        let model = folder.url.appendingPathComponent("broken")
        try RandomCheckpoint.write(to: model)
        try Data("not safetensors at all".utf8).write(to: model.appendingPathComponent("model.safetensors"))
        let saves = folder.url.appendingPathComponent("saves").path
        for mode in [["--plain"], []] {
            let result = try runDungeon(["play"] + mode + ["--new", "--prompt", "x", "--model", model.path, "--saves", saves])
            #expect(result.status == 1 && result.error.split(separator: "\n").count == 1, "\(result.error)")
            #expect(!FileManager.default.fileExists(atPath: saves), "\(mode): the saves folder was created")
        }
    }

    @Test func afterACleanExitTheSqliteFileAloneHoldsEveryTurn() throws {
        let folders = try GameFolders()
        #expect(try play(folders, "look around\nwait\nsay hello\n").status == 0)
        // The player copies only the file they see.
        let moved = try ScratchFolder()
        try FileManager.default.copyItem(atPath: folders.saves + "/dungeon.sqlite", toPath: moved.url.appendingPathComponent("dungeon.sqlite").path)
        let list = try runDungeon(["list", "--saves", moved.url.path])
        #expect(list.output.contains("3 turns") || list.output.split(separator: "\n").last?.contains(" 3 ") == true, "\(list.output)")
    }

    @Test func aBackupTakenWhileAGameRunsIsAWholeSave() throws {
        let folders = try GameFolders()
        #expect(try play(folders, "look around\n").status == 0)
        let game = try LiveGame(["play", "--plain", "--continue", "--model", folders.model, "--saves", folders.saves, "--seed", "4"])
        defer { game.signal(SIGTERM); _ = game.exitStatus(within: 5) }
        let opened = game.outputCount
        game.send("open the door")
        #expect(game.waitForOutput("> You open the door.\n", after: opened))
        #expect(game.waitForOutput("\n", after: game.outputCount - 1, timeout: 30))
        let copy = try ScratchFolder()
        let target = copy.url.appendingPathComponent("dungeon.sqlite").path
        let backup = try runDungeon(["backup", target, "--saves", folders.saves])
        #expect(backup.status == 0 && backup.output.contains("1 adventure"), "\(backup.error)")
        let list = try runDungeon(["list", "--saves", copy.url.path])
        #expect(list.status == 0 && list.output.contains("1 "), "\(list.output)")
        #expect(try runDungeon(["backup", target, "--saves", folders.saves]).status == 1)  // never over a file
    }
}
