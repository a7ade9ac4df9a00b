import GRDB

extension SaveDatabase {
    /// The schema version written to `PRAGMA user_version`; a file with a higher one was
    /// written by a newer dungeon. A new migration raises it (and sets it in its body).
    static let schemaVersion = 7

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
        migrator.registerMigration("storyTree") { db in
            try createStoryTree(db)
            try db.execute(sql: "PRAGMA user_version = 4")
        }
        migrator.registerMigration("worldInfoFlagsAndNoteTemplate") { db in
            // What KoboldAI saves hold beyond keys and text, so imports keep it.
            try db.alter(table: "worldInfo") { t in
                t.add(column: "antiKeys", .text).notNull().defaults(to: "[]")
                t.add(column: "disabled", .boolean).notNull().defaults(to: false)
                t.add(column: "comment", .text).notNull().defaults(to: "")
            }
            try db.alter(table: "adventure") { t in
                t.add(column: "noteTemplate", .text).notNull().defaults(to: "[Author's note: <|>]")
            }
            try db.execute(sql: "PRAGMA user_version = 5")
        }
        migrator.registerMigration("passageIndex") { db in
            // Which adventures the full-text index holds (SaveDatabase+Passages makes the index
            // itself, where SQLite has FTS5, and indexes every adventure not yet in it).
            try db.alter(table: "adventure") { t in
                t.add(column: "passagesIndexed", .boolean).notNull().defaults(to: false)
            }
            try db.execute(sql: "PRAGMA user_version = 6")
        }
        migrator.registerMigration("lore") { db in
            // World info as lorebooks and character cards shape it (issue 29), and the cards
            // imported, for starting adventures from them.
            try db.alter(table: "worldInfo") { t in
                t.add(column: "logic", .text).notNull().defaults(to: "andAny")
                t.add(column: "caseSensitive", .boolean).notNull().defaults(to: false)
                t.add(column: "wholeWords", .boolean).notNull().defaults(to: true)
                t.add(column: "insertionOrder", .integer).notNull().defaults(to: 100)
                t.add(column: "scanDepth", .integer)
            }
            try db.create(table: "card") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull()
                t.column("format", .text).notNull()
                t.column("card", .text).notNull()
                t.column("importedAt", .datetime).notNull()
            }
            try db.execute(sql: "PRAGMA user_version = 7")
        }
        return migrator
    }

    /// The story becomes a tree of nodes (issue 14). Every linear save converts without
    /// loss: each reply of a turn becomes a sibling node with the turn's action, the chosen
    /// one carrying the story on, and the undone turns continue below the current turn
    /// (most recently undone first), so redo still brings them back. Written in terms of
    /// rows rather than through `StoryTree`, so it stays as released when that code changes.
    private static func createStoryTree(_ db: Database) throws {
        // Without a rowid, rows are stored in (adventureId, number) order: opening an adventure
        // reads its turns in one sequential sweep instead of an index lookup per turn.
        try db.create(table: "node", options: [.withoutRowID]) { t in
            t.belongsTo("adventure", onDelete: .cascade).notNull()
            t.column("number", .integer).notNull()
            t.column("parent", .integer).notNull()
            t.column("mode", .text).notNull()
            t.column("input", .text).notNull()
            t.column("action", .text).notNull()
            t.column("replyText", .text)
            t.column("replySeed", .integer)
            t.column("replySettings", .text)
            t.column("lastVisitedChild", .integer)
            t.primaryKey(["adventureId", "number"])
        }
        try db.alter(table: "adventure") { t in
            t.add(column: "currentTurn", .integer).notNull().defaults(to: 0)
            t.add(column: "firstTurnVisited", .integer)
            t.add(column: "storyLength", .integer).notNull().defaults(to: 0)
        }
        let replies = Dictionary(grouping: try Row.fetchAll(db, sql: """
            SELECT turnId, text, seed, settings FROM reply ORDER BY turnId, position
            """), by: { $0["turnId"] as Int64 })
        for adventureID in try Int64.fetchAll(db, sql: "SELECT id FROM adventure") {
            let turns = try Row.fetchAll(db, sql: """
                SELECT id, isUndone, mode, input, action, chosen FROM turn WHERE adventureId = ? ORDER BY isUndone, position
                """, arguments: [adventureID])
            let live = turns.filter { !($0["isUndone"] as Bool) }
            // Redo took the undone turn with the highest position first.
            let ordered = live + turns.filter { $0["isUndone"] as Bool }.reversed()
            var number = 0
            var parent = 0
            var current = 0
            for (index, turn) in ordered.enumerated() {
                let options = replies[turn["id"] as Int64] ?? []
                let chosen = min(max(0, turn["chosen"] as Int), max(0, options.count - 1))
                var next = 0
                for position in 0..<max(1, options.count) {
                    number += 1
                    let reply = options.indices.contains(position) ? options[position] : nil
                    try db.execute(sql: """
                        INSERT INTO node (adventureId, number, parent, mode, input, action, replyText, replySeed, replySettings)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [adventureID, number, parent, turn["mode"], turn["input"], turn["action"],
                                         reply?["text"], reply?["seed"], reply?["settings"]])
                    if position == chosen { next = number }
                }
                if parent == 0 {
                    try db.execute(sql: "UPDATE adventure SET firstTurnVisited = ? WHERE id = ?", arguments: [next, adventureID])
                } else {
                    try db.execute(sql: "UPDATE node SET lastVisitedChild = ? WHERE adventureId = ? AND number = ?",
                                   arguments: [next, adventureID, parent])
                }
                parent = next
                if index == live.count - 1 { current = next }
            }
            try db.execute(sql: "UPDATE adventure SET currentTurn = ?, storyLength = ? WHERE id = ?",
                           arguments: [current, live.count, adventureID])
        }
        try db.drop(table: "reply")
        try db.drop(table: "turn")
    }
}
