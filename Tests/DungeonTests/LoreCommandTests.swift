import Foundation
import TestSupport
import Testing

/// Lore as a player brings it: `dungeon import` keeps a card and the new-adventure menu starts
/// it, lorebooks join an adventure (`--into`, `/world import`), `/export lorebook` writes one,
/// and a damaged or hostile file is one line on standard error with the save file untouched.
@Suite struct LoreCommandTests {
    static let fixtures = repositoryRoot.appendingPathComponent("Tests/StorageTests/Fixtures/lore")

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    private func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    @Test func aKeptCardStartsAnAdventureFromTheMenu() throws {
        let folders = try GameFolders()
        let kept = try runDungeon(["import", Self.fixture("card-v2.png"), "--saves", folders.saves])
        #expect(kept.status == 0, "\(kept.error)")
        #expect(kept.output.hasPrefix("Kept character card V2 (PNG): Seraphina: 3 greetings, description, personality, scenario, 3 world-info entries; dropped: "))
        let again = try runDungeon(["import", Self.fixture("card-v2.json"), "--saves", folders.saves])
        #expect(again.output == "Seraphina's card is kept already; start it from New adventure.\n")

        // New adventure: the scenarios, then the card (row 6); its second greeting; the player's name.
        let game = try runDungeon(["play", "--plain", "--new", "--model", folders.model, "--saves", folders.saves, "--seed", "5"],
                                  input: "6\n2\nAsh\nlook around\n/quit\n")
        #expect(game.status == 0, "\(game.error)")
        #expect(game.output.contains("6. Card: Seraphina — Seraphina is a guardian of the forest"))
        #expect(game.output.contains("2. The glade is quiet when you arrive. Seraphina watches from the trees."))
        #expect(game.output.contains("Your name"))
        #expect(game.output.contains("Started from Seraphina's card: opening: greeting 2 of 3"))
        #expect(game.output.contains("> You look around."))

        let context = try runDungeon(["context", "1", "--saves", folders.saves])
        #expect(context.output.contains("Scenario: Ash wakes in Seraphina's glade, wounded"))
        let export = try runDungeon(["export", "1", "--format", "lorebook", "--saves", folders.saves])
        #expect(export.status == 0)
        #expect(export.output.contains("\"content\" : \"Seraphina guards the forest of Eldoria, where Ash is a stranger.\""))

        // The name is remembered for the next card; --player gives it without asking.
        let named = try runDungeon(["play", "--plain", "--new", "--player", "Rowan", "--model", folders.model, "--saves", folders.saves],
                                   input: "6\n1\n/quit\n")
        #expect(!named.output.contains("Your name"))
        #expect(named.output.contains("Seraphina kneels beside you and presses a cool hand to your brow. \"Easy. You are safe here.\""))
        #expect(try runDungeon(["context", "2", "--saves", folders.saves]).output.contains("Scenario: Rowan wakes"))

        // Kept cards are listed and can be deleted; the adventures started from them stay.
        let cards = try runDungeon(["cards", "--saves", folders.saves])
        #expect(cards.output.contains("1   Seraphina  character card V2 (PNG)  3          3"), "\(cards.output)")
        #expect(try runDungeon(["cards", "--delete", "1", "--saves", folders.saves]).output == "Deleted Seraphina's card.\n")
        #expect(try runDungeon(["cards", "--saves", folders.saves]).output.hasPrefix("No character cards yet."))
        #expect(try runDungeon(["cards", "--delete", "1", "--saves", folders.saves]).status == 1)
        #expect(try runDungeon(["list", "--saves", folders.saves]).output.contains("Seraphina"))
    }

    @Test func lorebooksJoinAnAdventureAndExportBack() throws {
        let folders = try GameFolders()
        #expect(try runDungeon(["play", "--plain", "--new", "--prompt", "The fog rolls over Ashcombe.", "--model", folders.model,
                                "--saves", folders.saves], input: "/quit\n").status == 0)
        let lorebook = try runDungeon(["import", Self.fixture("sillytavern-world.json"), "--saves", folders.saves])
        #expect(lorebook.status == 1 && lorebook.error.contains("it joins an adventure: dungeon import FILE --into ID"))
        let merged = try runDungeon(["import", Self.fixture("sillytavern-world.json"), "--into", "1", "--saves", folders.saves])
        #expect(merged.status == 0, "\(merged.error)")
        #expect(merged.output.hasPrefix("Added world info from SillyTavern World Info into \"The fog rolls over Ashcombe.\": 11 entries added (2 switched off); dropped: regex keys of 1 entry"))

        // In the game: another lorebook with /world import, then the whole world info as a lorebook.
        let out = folders.scratch.url.appendingPathComponent("ashcombe.lorebook.json").path
        let game = try runDungeon(["play", "--plain", "--continue", "--model", folders.model, "--saves", folders.saves],
                                  input: "/world import \(Self.fixture("novelai.lorebook"))\n/export lorebook \(out)\n/quit\n")
        #expect(game.output.contains("World info from NovelAI lorebook: 4 entries added (1 switched off)"), "\(game.output)")
        #expect(game.output.contains("Exported to \(out)"))
        // The export reads back as the same 15 entries: merging it adds nothing.
        let back = try runDungeon(["import", out, "--into", "1", "--dry-run", "--saves", folders.saves])
        #expect(back.output == "Would add world info from SillyTavern World Info into \"The fog rolls over Ashcombe.\": 0 entries added (3 switched off), 15 already there. Nothing was saved (--dry-run).\n")
    }

    @Test(arguments: ["no-card.png", "truncated.png", "not-json.png", "traversal.charx", "bomb.charx", "bomb-lying.charx",
                      "invalid-utf8.json"])
    func aBadFileIsOneLineAndChangesNothing(file: String) throws {
        let folders = try GameFolders()
        #expect(try runDungeon(["play", "--plain", "--new", "--prompt", "A quiet start.", "--model", folders.model,
                                "--saves", folders.saves], input: "/quit\n").status == 0)
        let database = folders.saves + "/dungeon.sqlite"
        let before = (bytes(database), bytes(database + "-wal"))
        for extra in [[], ["--into", "1"]] {
            let result = try runDungeon(["import", Self.fixture(file)] + extra + ["--saves", folders.saves], timeout: 30)
            #expect(result.status == 1)
            #expect(result.output.isEmpty)
            #expect(result.error.hasPrefix("dungeon: ") && result.error.split(separator: "\n").count == 1, "\(result.error)")
            #expect(!result.error.unicodeScalars.contains { $0.value == 0x1B })
            #expect(bytes(database) == before.0 && bytes(database + "-wal") == before.1)
        }
        // In the game too: a notice, and the game goes on.
        let game = try runDungeon(["play", "--plain", "--continue", "--model", folders.model, "--saves", folders.saves],
                                  input: "/world import \(Self.fixture(file))\n/quit\n")
        #expect(game.status == 0)
        #expect(game.output.contains("! the "), "\(game.output)")
    }

    @Test func aHostileCardPlaysWithNothingRawOnTheTerminal() throws {
        let folders = try GameFolders()
        #expect(try runDungeon(["import", Self.fixture("hostile-card.png"), "--saves", folders.saves]).status == 0)
        let game = try runDungeon(["play", "--plain", "--new", "--player", "Eve", "--model", folders.model, "--saves", folders.saves],
                                  input: "6\n1\n/quit\n")
        #expect(game.status == 0)
        #expect(game.output.contains("Card: Mallory"))
        #expect(!game.output.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || (0x80...0x9F).contains($0.value) })
        let html = try runDungeon(["export", "1", "--format", "html", "--saves", folders.saves])
        #expect(!html.output.contains("<script>") && !html.output.contains("<img"))
    }
}
