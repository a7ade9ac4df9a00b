import Foundation
import GRDB
import TestSupport
import Testing
@testable import Storage
import Story

/// The full-text index follows the story through every change, in the same transactions.
@Suite struct PassageIndexTests {
    func database(_ folder: ScratchFolder, fullTextSearch: Bool = true) throws -> SaveDatabase {
        try SaveDatabase(path: folder.url.appendingPathComponent("saves.sqlite").path, fullTextSearch: fullTextSearch)
    }

    func rows(_ database: SaveDatabase, _ id: Int64) throws -> Int {
        try database.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM passage WHERE rowid BETWEEN ? AND ?",
                             arguments: [id << 32, (id + 1) << 32 - 1]) ?? 0
        }
    }

    func turns(_ search: SavedStoryIndex, _ word: String) throws -> Set<Int> {
        Set(try search.search([word], among: nil, limit: 100).map(\.passage.turn))
    }

    @Test func editsBranchesAndDeletesKeepTheIndexTrue() throws {
        let folder = try ScratchFolder()
        let database = try database(folder)
        var teller = StoryTeller(adventure: Adventure(title: "Index", opening: "You wake in Saltmarch."))
        let id = try database.create(teller.adventure)
        var revision = teller.adventure.revision
        func save() throws {
            try database.save(teller.adventure, id: id, since: revision)
            revision = teller.adventure.revision
        }
        let index = SavedStoryIndex(database: database, adventureID: id)
        #expect(try database.isIndexed(id))
        #expect(try turns(index, "saltmarch") == [StoryTree.opening])

        try teller.act("look for the heron", mode: .do)
        try save()
        let first = teller.adventure.turns[0].id
        #expect(try turns(index, "heron") == [first], "an action is searchable before its reply comes")
        try teller.edit(turn: 1, reply: "A grey heron watches you.")
        try save()
        try teller.edit(turn: 1, reply: "A white egret watches you.")
        try save()
        #expect(try turns(index, "grey").isEmpty && turns(index, "egret") == [first], "an edit replaces the old text")

        // A second branch: its passages are kept (for --all), but a search of the story skips them.
        try teller.undo()
        try teller.act("look for the otter", mode: .do)
        try teller.edit(turn: 1, reply: "An otter slips into the water.")
        let other = teller.adventure.turns[0].id
        teller.select(first)
        try save()
        #expect(try turns(index, "otter") == [other])
        #expect(try index.search(["otter"], among: [StoryTree.opening, first], limit: 10).isEmpty)
        try teller.deleteBranch(other)
        try save()
        #expect(try turns(index, "otter").isEmpty, "a deleted branch leaves the index")

        teller.editOpening("You wake in Gullhaven.")
        try save()
        #expect(try turns(index, "saltmarch").isEmpty && turns(index, "gullhaven") == [StoryTree.opening])

        // The index is exactly what indexing the saved story anew gives.
        let kept = try database.read { try Row.fetchAll($0, sql: "SELECT rowid, text FROM passage ORDER BY rowid") }
        try database.write { try SaveDatabase.indexAdventure(id, db: $0) }
        #expect(try database.read { try Row.fetchAll($0, sql: "SELECT rowid, text FROM passage ORDER BY rowid") } == kept)

        let second = try database.create(Adventure(title: "Other", opening: "Gullhaven again."))
        try database.delete(id: id)
        #expect(try rows(database, id) == 0)
        #expect(try rows(database, second) == 1)
        #expect(try database.integrityCheck() == "ok")
    }

    @Test func hostileWordsNeverBreakAQueryAndTextComesBackAsStored() throws {
        let folder = try ScratchFolder()
        let database = try database(folder)
        var adventure = Adventure(title: "Hostile", opening: "Quotes \" and stars * and NEAR(a b) and -minus and ^caret.")
        adventure.tree.add(after: 0, mode: .do, input: "x", action: "> You read the \u{1b}[2J sign.",
                           reply: Reply(text: "It says \"NEAR\" OR AND NOT *.", seed: 0, settings: GenerationSettings()))
        let id = try database.create(adventure)
        let index = SavedStoryIndex(database: database, adventureID: id)
        for words in [["\""], ["*"], ["near"], ["-"], ["a\"b"], ["NEAR("], ["^"], ["or", "and", "not"], ["\u{1b}[2J"], [""], ["()"]] {
            _ = try index.search(words, among: nil, limit: 10)
            _ = try index.frequencies(of: words, upTo: 41)
        }
        #expect(try turns(index, "near") == [StoryTree.opening, adventure.turns[0].id])
        let found = try StorySearcher.search("what did the sign say? \"NEAR\" * -", allBranches: false, in: adventure, index: index)
        #expect(!found.hits.isEmpty)
    }

    @Test func withoutFTS5TheGamePlaysOnAndAnFTS5BuildIndexesItLater() throws {
        let folder = try ScratchFolder()
        let plain = try database(folder, fullTextSearch: false)
        #expect(!plain.hasFullTextSearch)
        var adventure = Adventure(title: "No FTS", opening: "You wake.")
        adventure.tree.add(after: 0, mode: .do, input: "x", action: "> You find a lodestone.", reply: nil)
        let id = try plain.create(adventure)
        try plain.save(adventure, id: id)
        #expect(try !plain.isIndexed(id))
        #expect(try plain.read { try !$0.tableExists("passage") })
        #expect(plain.storyIndex(for: id, adventure: adventure) is ScanIndex)
        #expect(try plain.storyIndex(for: id, adventure: adventure).search(["lodestone"], among: nil, limit: 5).count == 1)
        try plain.close()

        var progress: [(Int, Int)] = []
        let later = try SaveDatabase(path: folder.url.appendingPathComponent("saves.sqlite").path,
                                     progress: { progress.append(($0, $1)) })
        #expect(try later.isIndexed(id))
        #expect(progress.last.map { $0 == (1, 1) } == true)
        #expect(try turns(SavedStoryIndex(database: later, adventureID: id), "lodestone") == [adventure.turns[0].id])
    }

    @Test func anOlderSaveIsIndexedWhenOpenedToPlayAndOnlyScannedWhenRead() throws {
        let folder = try ScratchFolder()
        let path = folder.url.appendingPathComponent("old.sqlite").path
        try FileManager.default.copyItem(atPath: repositoryRoot.appendingPathComponent("Tests/StorageTests/Fixtures/linear-save-v3.sqlite").path,
                                         toPath: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let reader = try #require(try SaveDatabase(readingFrom: path))
        let id = try #require(try reader.list().first?.id)
        let adventure = try reader.load(id: id)
        #expect(try !reader.isIndexed(id))
        let words = RecallWords.query(from: ([adventure.opening] + adventure.turns.map(\.replyText)).joined(separator: "\n"))
        let word = try #require(words.first)
        #expect(try !StorySearcher.search(word, allBranches: false, in: adventure, index: reader.storyIndex(for: id, adventure: adventure)).hits.isEmpty)
        try reader.close()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "reading never migrates or indexes")

        var calls = 0
        let player = try SaveDatabase(path: path, progress: { _, _ in calls += 1 })
        #expect(calls >= 1)
        #expect(try player.isIndexed(id))
        let found = try StorySearcher.search(word, allBranches: false, in: adventure, index: player.storyIndex(for: id, adventure: adventure))
        #expect(found.hits.contains { $0.text.lowercased().contains(word) })
    }
}
