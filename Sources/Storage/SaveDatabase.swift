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
/// Opening never changes a file it cannot vouch for. Before any migration runs, a
/// read-only connection checks that the file is SQLite, passes `quick_check` (every page's
/// structure), is a dungeon save (its application id, or the tables and migrations of a
/// save made before ids were written), was not written by a newer version, and has
/// exactly the schema its migrations made. Anything else is refused and left byte-identical.
/// (A flipped byte inside a stored text passes these checks: the text is shown sanitised.)
public final class SaveDatabase: Sendable {
    public let path: String
    /// The file's connections; for a save opened to read, a read-only connection, or an
    /// in-memory copy migrated there when the file's schema is older.
    let writer: any DatabaseWriter
    /// Opened by `init(readingFrom:)`: nothing is ever written to the file.
    public let isReadOnly: Bool
    /// The clock for "last played"; injected so tests can pin it.
    let now: @Sendable () -> Date
    /// Whether SQLite here has FTS5, so the story is indexed for recall and search.
    public let hasFullTextSearch: Bool

    /// `PRAGMA application_id` of a dungeon save: "DGN1".
    static let applicationID: Int32 = 0x4447_4E31

    /// Opens the save file to play, creating it when there is none, migrating it to the
    /// current schema and indexing for recall any story not yet indexed (`progress` hears
    /// turns done of the total). `fullTextSearch: false` plays as a SQLite without FTS5 does.
    public init(
        path: String, now: @escaping @Sendable () -> Date = { Date() }, fullTextSearch: Bool = true,
        progress: ((_ done: Int, _ total: Int) -> Void)? = nil
    ) throws {
        self.path = path
        self.now = now
        isReadOnly = false
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        writer = try Self.mappingErrors(path: path) {
            if try Self.checkHeader(path: path) {
                // Checked through a read-only connection first, so a file that is refused
                // is never written to, not even by opening it.
                try Self.checkExisting(path: path)
            }
            let pool = try DatabasePool(path: path, configuration: configuration)
            // A turn the screen has shown must survive a power cut, not only a crash: every
            // commit syncs the log. (The pool sets NORMAL on its writer after `prepareDatabase`.)
            try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
            try Self.migrator.migrate(pool)
            return pool
        }
        hasFullTextSearch = fullTextSearch && writer.writeWithoutTransaction(Self.detectFullTextSearch)
        try preparePassageIndex(progress: progress)
    }

    /// Opens an existing save only to read it (`list`, `export`, `context`, `backup`): the
    /// file is never written, not even its change counter. A save from an older version is
    /// migrated in memory, never on disk. Returns nil when there is no save file yet.
    public init?(readingFrom path: String, fullTextSearch: Bool = true) throws {
        guard try Self.mappingErrors(path: path, { try Self.checkHeader(path: path) }) else { return nil }
        self.path = path
        self.now = { Date() }
        isReadOnly = true
        writer = try Self.mappingErrors(path: path) {
            try Self.checkExisting(path: path)
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(5)
            let file = try DatabaseQueue(path: path, configuration: configuration)
            if try file.read(Self.migrator.hasCompletedMigrations) { return file }
            let copy = try DatabaseQueue()
            try file.backup(to: copy)
            try file.close()
            try Self.migrator.migrate(copy)
            return copy
        }
        hasFullTextSearch = fullTextSearch && (try? writer.read(Self.detectFullTextSearch)) == true
    }

    /// The writer's `PRAGMA synchronous` (2 is FULL: each commit is synced before it returns).
    public func synchronousMode() throws -> Int {
        try Self.mappingErrors(path: path) {
            try writer.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") ?? -1 }
        }
    }

    private static func checkExisting(path: String) throws {
        // Reading a database in WAL mode makes SQLite create its -wal and -shm files, even
        // read-only; when the file is refused, ones that were not there before go again.
        let sideFiles = [path + "-wal", path + "-shm"].filter { !FileManager.default.fileExists(atPath: $0) }
        do {
            try probe(path: path)
        } catch {
            for file in sideFiles { try? FileManager.default.removeItem(atPath: file) }
            throw error
        }
    }

    private static func probe(path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        // Another game may be writing (two `--continue` at once): wait, as the writer does.
        configuration.busyMode = .timeout(5)
        let reader = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? reader.close() }
        try reader.read { db in
            let check = try String.fetchAll(db, sql: "PRAGMA quick_check")
            guard check == ["ok"] else {
                let detail = check.first.map { String($0.prefix(80)) } ?? "no answer"
                throw StorageError.corrupt(path: path, detail: detail.replacingOccurrences(of: "\n", with: " "))
            }
            try checkOwnership(db, path: path)
            if try migrator.hasBeenSuperseded(db) { throw StorageError.newerVersion(path: path) }
            if try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 > schemaVersion { throw StorageError.newerVersion(path: path) }
            try checkSchema(db, path: path)
        }
    }

    /// A dungeon save says so in its application id. An empty database (no tables) may become
    /// one; a save from before ids were written is recognised by its tables and migrations.
    private static func checkOwnership(_ db: Database, path: String) throws {
        let id = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        if id == applicationID { return }
        let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        if id == 0 && tables.isEmpty { return }
        let ours: Set = ["grdb_migrations", "adventure", "turn", "reply", "memory", "worldInfo", "setting"]
        if id == 0 && tables.contains("grdb_migrations") && Set(tables).isSubset(of: ours) {
            let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            if !applied.isEmpty && Set(applied).isSubset(of: Set(legacyMigrations)) { return }
        }
        let owner = id == 0 ? "it holds \(tables.prefix(4).joined(separator: ", "))" : String(format: "application id 0x%08X", id)
        throw StorageError.foreignDatabase(path: path, detail: owner)
    }

    /// The tables, columns, indexes and foreign keys must be exactly what the applied
    /// migrations create: compared with an in-memory database migrated as far. (Compared
    /// structurally, not as SQL text, which a newer GRDB may spell differently.)
    private static func checkSchema(_ db: Database, path: String) throws {
        let applied = try db.tableExists("grdb_migrations")
            ? try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") : []
        guard let last = migrator.migrations.last(where: applied.contains) else { return }
        let reference = try DatabaseQueue()
        try migrator.migrate(reference, upTo: last)
        let expected = try reference.read(schema)
        let found = try schema(db)
        guard found == expected else {
            let difference = expected.symmetricDifference(found).sorted().first ?? ""
            throw StorageError.corrupt(path: path, detail: "its tables are not a save's: \(difference.prefix(60))")
        }
    }

    /// One line per table, column, index and foreign key.
    private static func schema(_ db: Database) throws -> Set<String> {
        var lines = Set<String>()
        // The full-text index is not a migration's (see SaveDatabase+Passages): left out.
        let tables = try String.fetchAll(db, sql: """
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
            AND name != 'passage' AND name NOT LIKE 'passage\\_%' ESCAPE '\\'
            """)
        for table in tables {
            lines.insert("table \(table)")
            let quoted = table.quotedDatabaseIdentifier
            for row in try Row.fetchAll(db, sql: "PRAGMA table_info(\(quoted))") {
                lines.insert("column \(table).\(field(row, "name")) \(field(row, "type")) notnull=\(field(row, "notnull")) pk=\(field(row, "pk"))")
            }
            for row in try Row.fetchAll(db, sql: "PRAGMA index_list(\(quoted))") {
                let columns = try String?.fetchAll(db, sql: "SELECT name FROM pragma_index_info(?)", arguments: [field(row, "name")])
                lines.insert("index \(table) \(columns.map { $0 ?? "?" }.joined(separator: ",")) unique=\(field(row, "unique"))")
            }
            for row in try Row.fetchAll(db, sql: "PRAGMA foreign_key_list(\(quoted))") {
                lines.insert("foreign key \(table).\(field(row, "from")) -> \(field(row, "table")) \(field(row, "on_delete"))")
            }
        }
        return lines
    }

    /// A pragma row's value as text; a damaged file may hold NULL where a name belongs.
    private static func field(_ row: Row, _ name: String) -> String {
        (row[name] as DatabaseValue).description
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
        if error is RowDecodingError || error is DecodingError {
            return .corrupt(path: path, detail: "a stored value has the wrong type")
        }
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

    /// Folds the write-ahead log back into the file and closes its connections, so the
    /// `.sqlite` file alone holds every turn (a player may copy just that file).
    public func close() throws {
        try Self.mappingErrors(path: path) {
            if !isReadOnly { _ = try writer.writeWithoutTransaction { try $0.checkpoint(.truncate) } }
            try writer.close()
        }
    }

    /// Writes a consistent copy of the whole save file to `target` (which must not exist),
    /// even while a game is writing to it: SQLite's `VACUUM INTO` reads one snapshot.
    public func backup(to target: String) throws {
        guard !FileManager.default.fileExists(atPath: target) else {
            throw StorageError.cannotOpen(path: target, reason: "a file is already there")
        }
        try Self.mappingErrors(path: target) {
            try writer.writeWithoutTransaction { try $0.execute(sql: "VACUUM INTO ?", arguments: [target]) }
        }
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
