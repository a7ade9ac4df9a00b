import Foundation
import GRDB
import TestSupport
import Testing
@testable import Storage
import Story

/// What opening checks before it writes: a file that is not a dungeon save, or is damaged,
/// is refused with one line and left byte-identical.
@Suite struct SaveFileCheckTests {
    /// Refuses `path`, leaving it (and its folder) exactly as it was; returns the message.
    @discardableResult
    func expectRefused(_ path: String) throws -> String {
        let folder = (path as NSString).deletingLastPathComponent
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let filesBefore = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        var message = ""
        do {
            _ = try SaveDatabase(path: path)
            Issue.record("\(path) was opened")
        } catch let error as StorageError {
            message = error.description
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        let filesAfter = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(filesAfter == filesBefore)  // no -wal, no -shm
        #expect(message.contains(path) && !message.contains("\n"), "\(message)")
        return message
    }

    /// A database made by another program, closed so that everything is in the main file.
    func foreignDatabase(at path: String, _ sql: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: sql) }
        try queue.close()
    }

    @Test func anotherProgramsDatabaseIsLeftAlone() throws {
        let folder = try ScratchFolder()
        let invoices = folder.url.appendingPathComponent("invoices.sqlite").path
        try foreignDatabase(at: invoices, "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 9.5)")
        #expect(try expectRefused(invoices).contains("another program's SQLite database: it holds invoices"))

        // Even one whose table has the name of one of ours.
        let lookalike = folder.url.appendingPathComponent("lookalike.sqlite").path
        try foreignDatabase(at: lookalike, "CREATE TABLE adventure (id INTEGER PRIMARY KEY, name TEXT)")
        try expectRefused(lookalike)

        let tagged = folder.url.appendingPathComponent("tagged.sqlite").path
        try foreignDatabase(at: tagged, "PRAGMA application_id = 1234; CREATE TABLE t (x)")
        #expect(try expectRefused(tagged).contains("application id 0x000004D2"))
    }

    @Test func newSavesSayTheyAreDungeonSaves() throws {
        let folder = try ScratchFolder()
        let path = folder.url.appendingPathComponent("save.sqlite").path
        let database = try SaveDatabase(path: path)
        _ = try database.create(sampleAdventure())
        #expect(try database.synchronousMode() == 2)  // FULL: each commit is synced before it returns
        try database.close()
        let reader = try DatabaseQueue(path: path, configuration: { var c = Configuration(); c.readonly = true; return c }())
        #expect(try reader.read { try Int32.fetchOne($0, sql: "PRAGMA application_id") } == 0x4447_4E31)
        #expect(try reader.read { try Int.fetchOne($0, sql: "PRAGMA user_version") } == SaveDatabase.schemaVersion)
        try reader.close()
        #expect(try SaveDatabase(path: path).list().count == 1)

        // An empty SQLite file (no tables yet) may become a save.
        let empty = folder.url.appendingPathComponent("empty.sqlite").path
        try foreignDatabase(at: empty, "PRAGMA user_version = 0")
        #expect(try SaveDatabase(path: empty).list().isEmpty)
    }

    @Test func aRaisedSchemaVersionIsANewerSave() throws {
        let folder = try ScratchFolder()
        let path = folder.url.appendingPathComponent("newer.sqlite").path
        let database = try SaveDatabase(path: path)
        _ = try database.create(sampleAdventure())
        try database.close()
        try foreignDatabase(at: path, "PRAGMA user_version = \(SaveDatabase.schemaVersion + 1)")
        #expect(try expectRefused(path).contains("newer version of dungeon"))
    }

    @Test func aChangedSchemaIsRefused() throws {
        let folder = try ScratchFolder()
        let path = folder.url.appendingPathComponent("altered.sqlite").path
        let database = try SaveDatabase(path: path)
        _ = try database.create(sampleAdventure())
        try database.close()
        try foreignDatabase(at: path, "ALTER TABLE node DROP COLUMN lastVisitedChild")
        #expect(try expectRefused(path).contains("its tables are not a save's"))
    }

    /// 200 saves, each with one random byte changed: each is refused untouched, or opens and
    /// then lists, loads and saves every adventure or fails with a one-line error. Never a
    /// trap, never a schema the game does not know.
    @Test func byteFlipsAreRefusedOrReadSafely() throws {
        let folder = try ScratchFolder()
        let original = folder.url.appendingPathComponent("original.sqlite").path
        let database = try SaveDatabase(path: original)
        for n in 0..<3 {
            var adventure = sampleAdventure()
            adventure.title += " \(n)"
            _ = try database.create(adventure)
        }
        try database.close()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: original))
        var random = SeededBytes(state: 11)
        var (refused, opened) = (0, 0)
        for n in 0..<200 {
            let path = folder.url.appendingPathComponent("flip-\(n).sqlite").path
            var flipped = bytes
            let offset = (Int(random.next()) << 16 | Int(random.next()) << 8 | Int(random.next())) % flipped.count
            flipped[offset] ^= max(1, random.next())
            try flipped.write(to: URL(fileURLWithPath: path))
            let save: SaveDatabase
            do {
                save = try SaveDatabase(path: path)
            } catch let error as StorageError {
                refused += 1
                #expect(error.description.contains(path) && !error.description.contains("\n"))
                #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == flipped, "flip at \(offset)")
                continue
            }
            opened += 1
            do {
                for summary in try save.list() {
                    let adventure = try save.load(id: summary.id)
                    try save.save(adventure, id: summary.id)
                }
            } catch let error as StorageError {
                #expect(!error.description.contains("\n"), "flip at \(offset): \(error)")
            }
        }
        #expect(refused > 0 && opened > 0, "\(refused) refused, \(opened) opened")
    }
}

@Suite struct FullDiskTests {
    /// SQLite's page limit stands in for a full disk: the same SQLITE_FULL, mid-transaction.
    @Test func aSaveThatDoesNotFitFailsClearlyAndKeepsTheOldAdventure() throws {
        let folder = try ScratchFolder()
        let path = folder.url.appendingPathComponent("full.sqlite").path
        let database = try SaveDatabase(path: path)
        let id = try database.create(sampleAdventure())
        let pages = try database.writer.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA page_count") ?? 0 }
        try database.writer.writeWithoutTransaction { try $0.execute(sql: "PRAGMA max_page_count = \(pages)") }
        var bigger = sampleAdventure()
        bigger.memory = (0..<400).map { "A long memory, number \($0), that takes room in the file." }
        #expect(throws: StorageError.diskFull(path: path)) { try database.save(bigger, id: id) }
        #expect(try database.load(id: id) == sampleAdventure())
        #expect(try database.integrityCheck() == "ok")
    }
}
