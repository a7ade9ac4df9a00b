import Foundation
import GRDB
import TestSupport
import Testing
@testable import Storage
import Story

@Suite struct SaveDatabaseTests {
    @Test func roundTripKeepsEverything() throws {
        let folder = try ScratchFolder()
        let path = folder.url.appendingPathComponent("saves.sqlite").path
        let adventure = sampleAdventure()
        let id = try SaveDatabase(path: path).create(adventure)
        // A fresh connection reads what the file holds, not a cache.
        let reopened = try SaveDatabase(path: path)
        #expect(try reopened.load(id: id) == adventure)
        #expect(try reopened.lastAdventureID() == id)
        #expect(try reopened.integrityCheck() == "ok")

        var changed = adventure
        changed.tree.moveHead(to: changed.turns[1].id)
        changed.memory.append("A new memory.")
        try reopened.save(changed, id: id)
        #expect(try SaveDatabase(path: path).load(id: id) == changed)
    }

    @Test func listRenameDeleteAndContinue() throws {
        let folder = try ScratchFolder()
        let path = folder.url.appendingPathComponent("saves.sqlite").path
        var clock = 0.0
        let times = LockedClock()
        let database = try SaveDatabase(path: path, now: { times.next() })
        let first = try database.create(Adventure(title: "First", scenario: "mystery", opening: "A"))
        let second = try database.create(sampleAdventure())
        clock += 1
        try database.save(try database.load(id: first), id: first)  // played last
        let list = try database.list()
        #expect(list.map(\.id) == [first, second])
        #expect(list.map(\.turns) == [0, 4])
        #expect(list[1].scenario == "fantasy")
        #expect(try database.lastAdventureID() == first)

        try database.rename(id: second, title: "Renamed \u{1B}[2J")
        #expect(try database.load(id: second).title == "Renamed")
        #expect(throws: StorageError.noSuchAdventure(99)) { try database.rename(id: 99, title: "x") }

        try database.delete(id: first)
        #expect(try database.list().map(\.id) == [second])
        #expect(try database.lastAdventureID() == second)
        #expect(throws: StorageError.noSuchAdventure(first)) { try database.load(id: first) }
        // Deleting cascades: no orphaned turns remain.
        let orphans = try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM node WHERE adventureId = ?", arguments: [first]) }
        #expect(orphans == 0)
    }

    @Test func migratesFromTheFirstSchema() throws {
        let folder = try ScratchFolder()
        let path = folder.url.appendingPathComponent("old.sqlite").path
        // A file made by the first release: only the first migration.
        let queue = try DatabaseQueue(path: path)
        try SaveDatabase.migrator.migrate(queue, upTo: "createAdventures")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO adventure (title, scenario, opening, authorsNote, settings, detectsEndings, continuedAfterEnding, createdAt, lastPlayedAt)
                VALUES ('Old', 'custom', 'Once upon a time.', '', ?, 0, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')
                """, arguments: [try SaveDatabase.encode(GenerationSettings())])
        }
        try queue.close()
        let database = try SaveDatabase(path: path)
        #expect(try database.list().map(\.title) == ["Old"])
        try database.setSetting("theme", "dark")  // a table from the second migration
        #expect(try database.setting("theme") == "dark")
    }

    @Test func refusesANewerSchemaWithoutTouchingIt() throws {
        let folder = try ScratchFolder()
        let path = folder.url.appendingPathComponent("newer.sqlite").path
        _ = try SaveDatabase(path: path).create(sampleAdventure())
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('fromTheFuture')") }
        try queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try queue.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(throws: StorageError.newerVersion(path: path)) { try SaveDatabase(path: path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func refusesAFileThatIsNotSQLite() throws {
        let folder = try ScratchFolder()
        let path = folder.url.appendingPathComponent("notes.sqlite").path
        let text = Data("These are my notes, not a database.\n".utf8)
        try text.write(to: URL(fileURLWithPath: path))
        #expect(throws: StorageError.notADatabase(path: path)) { try SaveDatabase(path: path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == text)
    }

    @Test func refusesACorruptFileWithoutTouchingIt() throws {
        let folder = try ScratchFolder()
        let path = folder.url.appendingPathComponent("corrupt.sqlite").path
        let database = try SaveDatabase(path: path)
        var big = sampleAdventure()
        for n in 0..<200 { big.memory.append("Memory entry \(n) " + String(repeating: "x", count: 200)) }
        _ = try database.create(big)
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try queue.close()
        // Scribble over pages in the middle of the file, keeping the header valid.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        var random = SeededBytes(state: 5)
        for i in (4096 * 2)..<min(bytes.count, 4096 * 6) { bytes[i] = random.next() }
        try bytes.write(to: URL(fileURLWithPath: path))
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(throws: StorageError.self) { try SaveDatabase(path: path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        do {
            _ = try SaveDatabase(path: path)
        } catch let error as StorageError {
            #expect(error.description.contains(path))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func aFolderThatCannotHoldTheFileIsAClearError() throws {
        let folder = try ScratchFolder()
        let blocker = folder.url.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        // The "folder" is a regular file, so nothing can be created inside it (even as root).
        let path = blocker.appendingPathComponent("saves.sqlite").path
        #expect(throws: StorageError.self) { try SaveDatabase(path: path) }
    }

    @Test func twoCopiesOnOneFileBothWork() throws {
        let folder = try ScratchFolder()
        let path = folder.url.appendingPathComponent("shared.sqlite").path
        let one = try SaveDatabase(path: path)
        let two = try SaveDatabase(path: path)
        let a = try one.create(Adventure(title: "A", opening: "a"))
        let b = try two.create(Adventure(title: "B", opening: "b"))
        for n in 0..<20 {
            var adventureA = try one.load(id: a)
            adventureA.memory.append("a\(n)")
            try one.save(adventureA, id: a)
            var adventureB = try two.load(id: b)
            adventureB.memory.append("b\(n)")
            try two.save(adventureB, id: b)
        }
        #expect(try one.load(id: b).memory.count == 20)
        #expect(try two.load(id: a).memory.count == 20)
        #expect(try one.integrityCheck() == "ok")
    }

    @Test func adventureLockKeepsASecondWindowOut() throws {
        let folder = try ScratchFolder()
        let first = try AdventureLock(folder: folder.url.path, id: 1)
        #expect(throws: StorageError.adventureInUse(1)) { try AdventureLock(folder: folder.url.path, id: 1) }
        let other = try AdventureLock(folder: folder.url.path, id: 2)
        first.release()
        let again = try AdventureLock(folder: folder.url.path, id: 1)
        again.release()
        other.release()
    }
}

/// Hands out increasing instants so "last played" order is deterministic.
final class LockedClock: @unchecked Sendable {
    // @unchecked: the lock guards `value`.
    private let lock = NSLock()
    private var value = 1_700_000_000.0

    func next() -> Date {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return Date(timeIntervalSince1970: value)
    }
}

struct SeededBytes {
    var state: UInt64
    mutating func next() -> UInt8 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}
