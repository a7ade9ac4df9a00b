import Foundation
import TestSupport
import Testing

/// One adventure is open in one game at a time, and commands that change it respect that.
@Suite(.serialized) struct AdventureLockTests {
    @Test func renameWaitsForTheGameThatHasTheAdventureOpen() throws {
        let folders = try GameFolders()
        let common = ["--model", folders.model, "--saves", folders.saves, "--seed", "2"]
        let game = try LiveGame(["play", "--plain", "--new", "--prompt", "You wake in a cold cell."] + common)
        #expect(game.waitForOutput("cold cell"))
        let rename = try runDungeon(["rename", "1", "The Cell", "--saves", folders.saves])
        #expect(rename.status == 1)
        #expect(rename.error == "dungeon: adventure 1 is open in another dungeon window; quit it there first\n")
        game.send("/quit")
        #expect(game.exitStatus(within: 5) == 0)
        let renamed = try runDungeon(["rename", "1", "The Cell", "--saves", folders.saves])
        #expect(renamed.status == 0, "\(renamed.error)")
        #expect(try runDungeon(["list", "--saves", folders.saves]).output.contains("The Cell"))

        // Deleting it leaves no stale lock file behind.
        let lockFile = folders.saves + "/.adventure-1.lock"
        #expect(FileManager.default.fileExists(atPath: lockFile))
        #expect(try runDungeon(["delete", "1", "--yes", "--saves", folders.saves]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: lockFile))
    }

    @Test func twoContinuesAtOnceGiveTheOpenElsewhereMessage() throws {
        let folders = try GameFolders()
        let common = ["--model", folders.model, "--saves", folders.saves, "--seed", "2"]
        let first = try runDungeon(["play", "--plain", "--new", "--prompt", "You wake in a cold cell."] + common, input: "wait\n")
        #expect(first.status == 0, "\(first.error)")
        for round in 0..<8 {
            let games = try (0..<2).map { _ in try LiveGame(["play", "--plain", "--continue"] + common) }
            // One opens the adventure; the other must say why it cannot (and end, in plain
            // mode, rather than read the next line as a menu answer), not that the file is busy.
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline && games.allSatisfy({ $0.process.isRunning }) { usleep(10_000) }
            let refused = games.filter { !$0.process.isRunning }
            #expect(refused.count == 1, "round \(round): \(games.map { $0.errorText })")
            for game in games {
                if game.process.isRunning { game.signal(SIGTERM) }
                let status = game.exitStatus(within: 5)
                if refused.contains(where: { $0 === game }) {
                    #expect(status == 1)
                    #expect(game.errorText.hasSuffix("dungeon: adventure 1 is open in another dungeon window; quit it there first\n"),
                            "round \(round): \(game.errorText)")
                } else {
                    #expect(status == 0, "round \(round): \(game.errorText)")
                }
            }
        }
    }
}
