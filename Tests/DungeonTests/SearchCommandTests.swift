import Foundation
import TestSupport
import Testing

/// `dungeon search` and `/recall TEXT` from a played game, through the binary.
@Suite struct SearchCommandTests {
    @Test func searchFindsAPlayedTurnByItsWordsWithItsNumber() throws {
        let folders = try GameFolders()
        let common = ["--model", folders.model, "--saves", folders.saves, "--seed", "3"]
        let played = try runDungeon(["play", "--plain", "--new", "--prompt", "You wake in Saltmarch."] + common,
                                    input: "look for the heron\nwave at the ferryman\n/recall heron\n")
        #expect(played.status == 0, "\(played.error)")
        // In the game: the search lists the turn.
        #expect(played.output.contains("[Search: heron]") && played.output.contains("Turn 1: > You look for the heron."),
                "\(played.output.suffix(600))")

        let found = try runDungeon(["search", "1", "the", "ferryman?", "--saves", folders.saves])
        #expect(found.status == 0, "\(found.error)")
        #expect(found.output.hasPrefix("Searched for ferryman:\nturn 2: > You wave at the ferryman."), "\(found.output)")
        let opening = try runDungeon(["search", "1", "Saltmarch", "--saves", folders.saves])
        #expect(opening.output.contains("opening: You wake in Saltmarch."), "\(opening.output)")
        let nothing = try runDungeon(["search", "1", "dragon", "--saves", folders.saves])
        #expect(nothing.status == 0 && nothing.output == "Nothing in the story matches \"dragon\".\n")

        let empty = try runDungeon(["search", "1", "--saves", folders.saves])
        #expect(empty.status != 0 && empty.error.contains("say what to search for"))
        let missing = try runDungeon(["search", "9", "heron", "--saves", folders.saves])
        #expect(missing.status == 1 && missing.error.split(separator: "\n").count == 1, "\(missing.error)")
    }
}
