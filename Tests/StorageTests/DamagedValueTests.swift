import Foundation
import GRDB
@testable import Storage
import Story
import TestSupport
import Testing

/// No stored value, however damaged, may trap: every column of every table is given values
/// no dungeon ever wrote, and the save is listed, loaded, saved and exported. Each either
/// works or fails with one clean line; a trap would end the test process.
@Suite struct DamagedValueTests {
    /// The bytes the fault sweep found: a non-ASCII byte in a date made GRDB's date parser
    /// trap with an arithmetic overflow (`play --continue` and `export` died with SIGILL).
    @Test func aDateWithANonASCIIByteReadsWithoutTrapping() throws {
        let folder = try ScratchFolder()
        let path = folder.url.appendingPathComponent("dungeon.sqlite").path
        let database = try SaveDatabase(path: path)
        let id = try database.create(sampleAdventure())
        try database.close()
        try damage(path, "UPDATE adventure SET lastPlayedAt = CAST(X'323032362D31322D30362032AF3A33363A34322E333934' AS TEXT)")

        let reopened = try SaveDatabase(path: path)
        #expect(try reopened.list().map(\.id) == [id])
        let adventure = try reopened.load(id: id)
        #expect(adventure.title == sampleAdventure().title)
        _ = try AdventureExporter.export(adventure, as: .markdown, date: fixedDate)
        try reopened.save(adventure, id: id)
    }

    @Test func everyColumnOfEveryTableSurvivesDamagedValues() throws {
        let folder = try ScratchFolder()
        let pristine = folder.url.appendingPathComponent("pristine.sqlite").path
        let database = try SaveDatabase(path: pristine)
        _ = try database.create(sampleAdventure())
        try database.setSetting("samplerPresets", "[]")
        try database.close()

        let columns = try DatabaseQueue(path: pristine).read { db -> [(String, String)] in
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'")
            return try tables.flatMap { table in
                try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").map { (table, $0["name"] as String) }
            }
        }
        #expect(columns.count > 20)
        let values = [
            "CAST(X'323032362D31322D30362032AF3A33363A34322E333934' AS TEXT)", "X'FF00FE'", "''", "'not a date'",
            "1e308", "-1e308", "9223372036854775807", "-9223372036854775808", "-1", "0.5", "'[1, {\"x\": '", "'{}'",
            "CAST(X'E28FFF0A1B5B33316D' AS TEXT)", "'9999-99-99 99:99:99.999'",
        ]
        var outcomes: [String: Int] = [:]
        for (table, column) in columns {
            for value in values {
                let path = folder.url.appendingPathComponent("damaged.sqlite").path
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
                try FileManager.default.copyItem(atPath: pristine, toPath: path)
                do {
                    try damage(path, "UPDATE \"\(table)\" SET \"\(column)\" = \(value)")
                } catch {
                    outcomes["constraint", default: 0] += 1  // NOT NULL, a key, or a check: SQLite refused it
                    continue
                }
                outcomes[try exercise(path), default: 0] += 1
            }
        }
        #expect(outcomes["read"] ?? 0 > 0)
    }

    /// Opens, lists, loads, exports and saves every adventure; what happened, in a word.
    private func exercise(_ path: String) throws -> String {
        do {
            let save = try SaveDatabase(path: path)
            for summary in try save.list() {
                let adventure = try save.load(id: summary.id)
                for format in ExportFormat.allCases {
                    _ = try AdventureExporter.export(adventure, as: format, date: fixedDate)
                }
                try save.save(adventure, id: summary.id)
            }
            _ = try save.setting("samplerPresets")
            try save.close()
            return "read"
        } catch let error as StorageError {
            #expect(!error.description.contains("\n"))
            return "refused"
        }
    }

    private func damage(_ path: String, _ sql: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { try $0.execute(sql: sql) }
        try queue.close()
    }
}
