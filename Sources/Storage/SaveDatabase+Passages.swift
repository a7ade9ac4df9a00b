import GRDB
import Story

/// The story's full-text index: one FTS5 row per passage of every turn of every adventure,
/// written in the same transaction as the turn, so it is never behind the story.
///
/// A passage's rowid is (adventure id << 32) | (turn id << 10) | ordinal: an adventure's
/// passages, and a turn's, are one rowid range each, which FTS5 deletes and filters without
/// scanning. The table is made outside the migrations, when SQLite has FTS5 (not every build
/// does): a save stays the same file with or without it, and the schema check leaves it out.
extension SaveDatabase {
    static let passageTable = "passage"
    /// Turns with a higher id (four million into one adventure) are not indexed.
    static let maxIndexedTurn = 1 << 22

    /// Whether SQLite here has FTS5: asked once per connection, by making a temporary table.
    static func detectFullTextSearch(_ db: Database) -> Bool {
        do {
            try db.execute(sql: "CREATE VIRTUAL TABLE temp.dungeon_probe USING fts5(text)")
            try db.execute(sql: "DROP TABLE temp.dungeon_probe")
            return true
        } catch {
            return false
        }
    }

    static func passageRowID(adventure: Int64, turn: Int, ordinal: Int) -> Int64 {
        adventure << 32 | Int64(turn) << 10 | Int64(ordinal)
    }

    /// Creates the index where it is missing (a new save, or one written where SQLite had no
    /// FTS5) and indexes every adventure not yet in it, reporting turns done of the total.
    func preparePassageIndex(progress: ((_ done: Int, _ total: Int) -> Void)?) throws {
        guard hasFullTextSearch else { return }
        try write { db in
            guard try !db.tableExists(Self.passageTable) else { return }
            try db.execute(sql: """
                CREATE VIRTUAL TABLE passage USING fts5(text, tokenize = 'porter unicode61 remove_diacritics 2')
                """)
            try db.execute(sql: "UPDATE adventure SET passagesIndexed = 0")
        }
        let waiting = try read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.id, (SELECT count(*) FROM node WHERE adventureId = a.id) AS turns
                FROM adventure a WHERE NOT passagesIndexed ORDER BY a.id
                """).map { (id: $0["id"] as Int64, turns: $0["turns"] as Int) }
        }
        let total = waiting.reduce(0) { $0 + $1.turns }
        var done = 0
        for adventure in waiting {
            try write { db in try Self.indexAdventure(adventure.id, db: db) }
            done += adventure.turns
            progress?(done, total)
        }
    }

    /// Whether adventure `id` is in the full-text index (false where SQLite has no FTS5, or
    /// for a save only read that predates the index).
    public func isIndexed(_ id: Int64) throws -> Bool {
        guard hasFullTextSearch else { return false }
        return try read { db in
            try db.tableExists(Self.passageTable)
                && (try Bool.fetchOne(db, sql: "SELECT passagesIndexed FROM adventure WHERE id = ?", arguments: [id]) ?? false)
        }
    }

    /// The index of adventure `id`'s story: the full-text one when there is one, otherwise a
    /// scan of `adventure` in memory.
    public func storyIndex(for id: Int64, adventure: Adventure) -> any StoryIndex {
        if (try? isIndexed(id)) == true { return SavedStoryIndex(database: self, adventureID: id) }
        return ScanIndex(adventure: adventure)
    }

    /// (Re)writes every passage of adventure `id` from its stored rows.
    static func indexAdventure(_ id: Int64, db: Database) throws {
        try removePassages(adventure: id, db: db)
        let opening = try String.fetchOne(db, sql: "SELECT opening FROM adventure WHERE id = ?", arguments: [id]) ?? ""
        try insert(PassageSplitter.passages(ofOpening: opening), adventure: id, db: db)
        let rows = try Row.fetchCursor(db, sql: "SELECT number, action, replyText FROM node WHERE adventureId = ?", arguments: [id])
        while let row = try rows.next() {
            let turn = Turn(id: try row.decode(atIndex: 0), parent: 0, mode: .do, input: "", action: try row.decode(atIndex: 1),
                            reply: (try row.decode(String?.self, atIndex: 2)).map { Reply(text: $0, seed: 0, settings: GenerationSettings()) })
            try insert(PassageSplitter.passages(of: turn), adventure: id, db: db)
        }
        try db.execute(sql: "UPDATE adventure SET passagesIndexed = 1 WHERE id = ?", arguments: [id])
    }

    /// Rewrites the passages of turn `turn` (nil: the turn is gone) in the adventure's index.
    static func reindex(_ turn: Turn?, number: Int, adventure: Int64, db: Database) throws {
        guard number < maxIndexedTurn else { return }
        try db.execute(sql: "DELETE FROM passage WHERE rowid BETWEEN ? AND ?", arguments: [
            passageRowID(adventure: adventure, turn: number, ordinal: 0),
            passageRowID(adventure: adventure, turn: number, ordinal: PassageSplitter.maxPerTurn - 1)])
        if let turn { try insert(PassageSplitter.passages(of: turn), adventure: adventure, db: db) }
    }

    static func reindexOpening(_ opening: String, adventure: Int64, db: Database) throws {
        try reindex(nil, number: StoryTree.opening, adventure: adventure, db: db)
        try insert(PassageSplitter.passages(ofOpening: opening), adventure: adventure, db: db)
    }

    static func removePassages(adventure: Int64, db: Database) throws {
        try db.execute(sql: "DELETE FROM passage WHERE rowid BETWEEN ? AND ?", arguments: [
            passageRowID(adventure: adventure, turn: 0, ordinal: 0), passageRowID(adventure: adventure + 1, turn: 0, ordinal: 0) - 1])
    }

    private static func insert(_ passages: [Passage], adventure: Int64, db: Database) throws {
        let statement = try db.cachedStatement(sql: "INSERT INTO passage (rowid, text) VALUES (?, ?)")
        for passage in passages where passage.turn < maxIndexedTurn {
            try statement.execute(arguments: [passageRowID(adventure: adventure, turn: passage.turn, ordinal: passage.ordinal),
                                              passage.text])
        }
    }

    /// Whether writes to adventure `id` keep its index (FTS5 here and the adventure indexed).
    static func keepsIndex(_ id: Int64, db: Database) throws -> Bool {
        try db.tableExists(passageTable)
            && (try Bool.fetchOne(db, sql: "SELECT passagesIndexed FROM adventure WHERE id = ?", arguments: [id]) ?? false)
    }
}

/// Searches one adventure's passages in the save file's full-text index (ranked by BM25).
public struct SavedStoryIndex: StoryIndex {
    let database: SaveDatabase
    let adventureID: Int64

    public init(database: SaveDatabase, adventureID: Int64) {
        self.database = database
        self.adventureID = adventureID
    }

    public func search(_ words: [String], among turns: Set<Int>?, limit: Int) throws -> [FoundPassage] {
        let query = words.filter { !$0.isEmpty }.map(Self.quoted).joined(separator: " OR ")
        guard !query.isEmpty, limit > 0 else { return [] }
        let (low, high) = range
        var fetch = turns == nil ? limit : max(64, limit * 4)
        while true {
            let rows = try database.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT rowid, text, highlight(passage, 0, char(1), char(2)) FROM passage
                    WHERE passage MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rank LIMIT ?
                    """, arguments: [query, low, high, fetch])
            }
            var found: [FoundPassage] = []
            for row in rows {
                let rowID: Int64 = try row.decode(atIndex: 0)
                let turn = Int(rowID >> 10 & Int64(SaveDatabase.maxIndexedTurn - 1))
                guard turns?.contains(turn) ?? true else { continue }
                let passage = Passage(turn: turn, ordinal: Int(rowID & 1023), text: try row.decode(atIndex: 1))
                found.append(FoundPassage(passage: passage, matched: Self.marked(try row.decode(atIndex: 2))))
                if found.count == limit { return found }
            }
            // Fewer than asked for, and more rows to look at: the best ones were on other branches.
            if rows.count < fetch { return found }
            fetch *= 4
        }
    }

    public func frequencies(of words: [String], upTo cap: Int) throws -> (perWord: [Int], passages: Int) {
        let (low, high) = range
        return try database.read { db in
            // FTS5's own table of passage sizes has one row per passage, keyed by rowid: counting
            // a range of it reads an index, where counting the full-text table reads every passage.
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM passage_docsize WHERE id BETWEEN ? AND ?",
                                         arguments: [low, high]) ?? 0
            // Counting stops at the cap: a word in every turn would otherwise be counted in all of them.
            let statement = try db.cachedStatement(sql: """
                SELECT count(*) FROM (SELECT 1 FROM passage WHERE passage MATCH ? AND rowid BETWEEN ? AND ? LIMIT ?)
                """)
            let counts = try words.map { word in
                try Int.fetchOne(statement, arguments: [Self.quoted(word), low, high, cap]) ?? 0
            }
            return (counts, total)
        }
    }

    private var range: (Int64, Int64) {
        (SaveDatabase.passageRowID(adventure: adventureID, turn: 0, ordinal: 0),
         SaveDatabase.passageRowID(adventure: adventureID + 1, turn: 0, ordinal: 0) - 1)
    }

    /// A word as an FTS5 string (a quote inside doubled): the player's text is never query syntax.
    static func quoted(_ word: String) -> String {
        "\"" + word.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The words FTS5 marked between \u{1} and \u{2}, once each.
    static func marked(_ text: String) -> [String] {
        var words: [String] = []
        for part in text.split(separator: "\u{1}", omittingEmptySubsequences: false).dropFirst() {
            guard let end = part.firstIndex(of: "\u{2}") else { continue }
            let word = String(part[..<end])
            if !words.contains(where: { $0.lowercased() == word.lowercased() }) { words.append(word) }
        }
        return words
    }
}
