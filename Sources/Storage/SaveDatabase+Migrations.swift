import GRDB

extension SaveDatabase {
    /// The schema version written to `PRAGMA user_version`; a file with a higher one was
    /// written by a newer dungeon. A new migration raises it (and sets it in its body).
    static let schemaVersion = 3

    /// The migrations of saves written before the application id was: such a file is
    /// recognised as ours by these names and its tables.
    static let legacyMigrations = ["createAdventures", "createSettings"]

    /// Append-only: a released migration is never edited, only followed by new ones.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("createAdventures") { db in
            try db.create(table: "adventure") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("title", .text).notNull()
                t.column("scenario", .text).notNull()
                t.column("opening", .text).notNull()
                t.column("authorsNote", .text).notNull()
                t.column("settings", .text).notNull()
                t.column("detectsEndings", .boolean).notNull()
                t.column("ending", .text)
                t.column("continuedAfterEnding", .boolean).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("lastPlayedAt", .datetime).notNull().indexed()
            }
            try db.create(table: "turn") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("adventure", onDelete: .cascade).notNull()
                t.column("position", .integer).notNull()
                t.column("isUndone", .boolean).notNull()
                t.column("mode", .text).notNull()
                t.column("input", .text).notNull()
                t.column("action", .text).notNull()
                t.column("chosen", .integer).notNull()
            }
            try db.create(table: "reply") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("turn", onDelete: .cascade).notNull()
                t.column("position", .integer).notNull()
                t.column("text", .text).notNull()
                t.column("seed", .integer).notNull()
                t.column("settings", .text).notNull()
            }
            try db.create(table: "memory") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("adventure", onDelete: .cascade).notNull()
                t.column("position", .integer).notNull()
                t.column("text", .text).notNull()
            }
            try db.create(table: "worldInfo") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("adventure", onDelete: .cascade).notNull()
                t.column("position", .integer).notNull()
                t.column("keys", .text).notNull()
                t.column("secondaryKeys", .text).notNull()
                t.column("text", .text).notNull()
                t.column("alwaysOn", .boolean).notNull()
            }
        }
        migrator.registerMigration("createSettings") { db in
            try db.create(table: "setting") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
        }
        migrator.registerMigration("markAsDungeonSave") { db in
            // Other programs (and later checks) can tell the file is a dungeon save.
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            try db.execute(sql: "PRAGMA user_version = 3")
        }
        return migrator
    }
}
