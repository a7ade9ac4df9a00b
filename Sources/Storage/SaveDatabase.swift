import Foundation
import GRDB
import Story

/// One adventure in the list of saves.
public struct AdventureSummary: Sendable, Equatable {
    public var id: Int64
    public var title: String
    public var scenario: String
    public var turns: Int
    public var lastPlayed: Date
}

/// The save file: every adventure, in one SQLite database (WAL, foreign keys, full sync).
///
/// Opening never changes a file it cannot vouch for: a file that is not SQLite, is
/// damaged, or was written by a newer version is refused before any migration runs.
public final class SaveDatabase: Sendable {
    public let path: String
    let writer: DatabasePool
    /// The clock for "last played"; injected so tests can pin it.
    let now: @Sendable () -> Date

    public init(path: String, now: @escaping @Sendable () -> Date = { Date() }) throws {
        self.path = path
        self.now = now
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // A turn the screen has shown must survive a power cut, not only a crash.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        writer = try Self.mappingErrors(path: path) {
            if try Self.checkHeader(path: path) {
                // Checked through a read-only connection first, so a file that is refused
                // is never written to, not even by opening it.
                try Self.checkExisting(path: path)
            }
            let pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
            return pool
        }
    }

    private static func checkExisting(path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        let reader = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? reader.close() }
        try reader.read { db in
            let check = try String.fetchAll(db, sql: "PRAGMA quick_check")
            guard check == ["ok"] else {
                let detail = check.first.map { String($0.prefix(80)) } ?? "no answer"
                throw StorageError.corrupt(path: path, detail: detail.replacingOccurrences(of: "\n", with: " "))
            }
            if try migrator.hasBeenSuperseded(db) { throw StorageError.newerVersion(path: path) }
        }
    }

    /// SQLite files start with "SQLite format 3\0"; anything else is not ours to open.
    /// Returns whether there is an existing database to check (false for a new or empty file).
    private static func checkHeader(path: String) throws -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StorageError.cannotOpen(path: path, reason: "permission denied")
        }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        if header.isEmpty { return false }  // an empty file becomes a new database
        guard header == Data("SQLite format 3\u{0}".utf8) else { throw StorageError.notADatabase(path: path) }
        return true
    }

    static func storageError(_ error: Error, path: String) -> StorageError {
        guard let error = error as? DatabaseError else { return .failed("\(path): \(error)") }
        switch error.resultCode {
        case .SQLITE_NOTADB: return .notADatabase(path: path)
        case .SQLITE_CORRUPT: return .corrupt(path: path, detail: error.message ?? "corrupt")
        case .SQLITE_FULL: return .diskFull(path: path)
        case .SQLITE_READONLY, .SQLITE_PERM: return .readOnly(path: path)
        case .SQLITE_BUSY, .SQLITE_LOCKED: return .busy(path: path)
        case .SQLITE_CANTOPEN: return .cannotOpen(path: path, reason: "the file or its folder cannot be opened or created")
        default: return .failed("save file \(path): \(error.message ?? "\(error.resultCode)")")
        }
    }

    /// Runs a write transaction, mapping SQLite failures to player-readable errors.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try Self.mappingErrors(path: path) { try writer.write(body) }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try Self.mappingErrors(path: path) { try writer.read(body) }
    }

    /// Runs `body`, turning SQLite's errors into StorageError (ours pass through unchanged).
    private static func mappingErrors<T>(path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StorageError {
            throw error
        } catch {
            throw storageError(error, path: path)
        }
    }

    /// Closes the file's connections (the write-ahead log is folded back into it).
    public func close() throws {
        try Self.mappingErrors(path: path) { try writer.close() }
    }

    /// `PRAGMA integrity_check`, for tests and `dungeon doctor`-style checks.
    public func integrityCheck() throws -> String {
        try read { try String.fetchOne($0, sql: "PRAGMA integrity_check") ?? "no answer" }
    }

    // MARK: Settings

    public func setting(_ key: String) throws -> String? {
        try read { try SettingRecord.fetchOne($0, key: key)?.value }
    }

    public func setSetting(_ key: String, _ value: String?) throws {
        try write { db in
            if let value {
                try SettingRecord(key: key, value: value).save(db)
            } else {
                _ = try SettingRecord.deleteOne(db, key: key)
            }
        }
    }
}
