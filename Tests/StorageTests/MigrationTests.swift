import Foundation
import GRDB
import TestSupport
import Testing
@testable import Storage
import Story

/// A save file written by the last release before the story tree (made by
/// Scripts/make_linear_save_fixture.sh with that release's own binary) opens as a tree,
/// losing nothing: every alternative reply, the undo stack, memory, world info, the note.
@Suite struct MigrationTests {
    static let fixtures = repositoryRoot.appendingPathComponent("Tests/StorageTests/Fixtures")

    /// A migrated copy of the fixture; it lives as long as the returned folder.
    func migratedCopy() throws -> (SaveDatabase, ScratchFolder, String) {
        let folder = try ScratchFolder()
        let path = folder.url.appendingPathComponent("old.sqlite").path
        try FileManager.default.copyItem(atPath: Self.fixtures.appendingPathComponent("linear-save-v3.sqlite").path, toPath: path)
        return (try SaveDatabase(path: path), folder, path)
    }

    @Test func aLinearSaveBecomesATreeWithNothingLost() throws {
        let (database, scratch, path) = try migratedCopy()
        defer { withExtendedLifetime(scratch) {} }
        let adventure = try database.load(id: 1)
        let tree = adventure.tree

        // The story on screen is the one the player left: the chosen reply of each turn.
        #expect(adventure.turns.map(\.input) == ["look around", "hello?", "The caravan turns toward you.", ""])
        #expect(adventure.turns.map(\.mode) == [.do, .say, .story, .continue])
        #expect(adventure.turns.map(\.replyText) == ["A caravan crawls along the horizon.", "Nobody answers. Le vent siffle — 風が吹く.",
                                                      "Bells ring on the camels.", "A rider waves."])
        #expect(adventure.turns[0].reply?.seed == UInt64.max)
        // Every alternative is a sibling, in the order they were written, with its own seed and settings.
        let first = tree.siblings(of: adventure.turns[0].id).compactMap { tree.turns[$0]?.reply }
        #expect(first.map(\.text) == ["Dunes, and nothing else.", "A caravan crawls along the horizon.", "Your horse is gone."])
        #expect(first.map(\.seed) == [11, UInt64.max, 13])
        #expect(first[2].settings.temperature == 1.0)
        // The undone turns wait below the current turn, most recently undone first, as redo brought them back.
        #expect(tree.redoCount == 2)
        let redone = tree.path(to: tree.lastVisitedLeaf(from: tree.head)).dropFirst(4)
        #expect(redone.map(\.replyText) == ["The rider gallops closer.", "You stumble in the sand."])
        #expect(tree.siblings(of: redone.first!.id).compactMap { tree.turns[$0]?.replyText }
                == ["The rider gallops closer.", "The rider turns away."])
        #expect(tree.turns.count == 9)
        #expect(adventure.memory == ["You carry a letter for the Duke.", "Your horse is called Ash."])
        #expect(adventure.worldInfo.map(\.text) == ["The Duke is dying.", "Salt is money here."])
        #expect(adventure.authorsNote == "Keep it bleak.")

        // The action that never got its reply is still there, for the game to take back.
        let cutOff = try database.load(id: 2)
        #expect(cutOff.turns.map(\.input) == ["wait", "light a match"])
        #expect(cutOff.turns.last?.reply == nil)
        #expect(try database.list().map(\.turns).sorted() == [2, 4])

        let (version, oldTables, integrity) = try DatabaseQueue(path: path).read { db in
            (try Int.fetchOne(db, sql: "PRAGMA user_version"), try db.tableExists("turn") || db.tableExists("reply"),
             try String.fetchOne(db, sql: "PRAGMA integrity_check"))
        }
        #expect(version == SaveDatabase.schemaVersion)
        #expect(!oldTables)
        #expect(integrity == "ok")
    }

    /// The migration (written in rows) and the JSON importer of the same release's export
    /// (written with StoryTree) build the same tree, ids and all.
    @Test func theReleasesJSONExportImportsAsTheSameTree() throws {
        let (database, scratch, _) = try migratedCopy()
        defer { withExtendedLifetime(scratch) {} }
        let json = try Data(contentsOf: Self.fixtures.appendingPathComponent("linear-adventure-v1.json"))
        let imported = try JSONExchange.importAdventure(json)
        #expect(imported == (try database.load(id: 1)))
    }

    @Test func aMigratedAdventurePlaysOnAndSavesIncrementally() throws {
        let (database, scratch, path) = try migratedCopy()
        defer { withExtendedLifetime(scratch) {} }
        var adventure = try database.load(id: 1)
        var saved = adventure.revision
        adventure.tree.moveHead(to: adventure.tree.lastVisitedLeaf(from: adventure.tree.head))  // redo both
        adventure.tree.add(after: adventure.tree.head, mode: .do, input: "hide", action: "> You hide.",
                           reply: Reply(text: "The rider passes.", seed: 5, settings: adventure.settings))
        try database.save(adventure, id: 1, since: saved)
        saved = adventure.revision
        try adventure.tree.remove(adventure.tree.siblings(of: adventure.turns[0].id).first!)  // "Dunes", off the story
        try database.save(adventure, id: 1, since: saved)
        #expect(try SaveDatabase(path: path).load(id: 1) == adventure)
        #expect(adventure.turns.count == 7)
    }
}
