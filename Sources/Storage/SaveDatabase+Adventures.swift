import Foundation
import GRDB
import Story

extension SaveDatabase {
    /// Stores a new adventure and makes it the one `continue` opens.
    public func create(_ adventure: Adventure) throws -> Int64 {
        try write { db in
            let date = now()
            var record = try AdventureRecord(adventure, id: nil, createdAt: date, lastPlayedAt: date)
            try record.insert(db)
            let id = record.id!  // set by didInsert
            for turn in adventure.tree.turns.values { try Self.record(turn, of: adventure.tree, adventureID: id).insert(db) }
            try Self.insertLore(of: adventure, id: id, db: db)
            if hasFullTextSearch { try Self.indexAdventure(id, db: db) }
            try SettingRecord(key: Self.lastAdventureKey, value: String(id)).save(db)
            return id
        }
    }

    /// Writes what changed in adventure `id` since the save that wrote revision `saved`, in
    /// one transaction: the adventure's own row, the turns the tree logged as changed after
    /// it, and memory and world info if they changed. Without `saved` (or when the log does
    /// not continue it) every turn is written again. After a crash the file holds either
    /// the old adventure or the new one, never a mix.
    public func save(_ adventure: Adventure, id: Int64, since saved: Adventure.Revision? = nil) throws {
        try write { db in
            guard let existing = try AdventureRecord.fetchOne(db, key: id) else { throw StorageError.noSuchAdventure(id) }
            let record = try AdventureRecord(adventure, id: id, createdAt: existing.createdAt, lastPlayedAt: now())
            try record.update(db)
            let tree = adventure.tree
            let indexed = try hasFullTextSearch && Self.keepsIndex(id, db: db)
            if let saved, saved.treeChanges <= tree.changes.count {
                for number in Set(tree.changes[saved.treeChanges...]) {
                    if let turn = tree.turns[number] {
                        try Self.record(turn, of: tree, adventureID: id).insert(db, onConflict: .replace)
                    } else {
                        try NodeRecord.deleteOne(db, key: ["adventureId": id, "number": number])
                    }
                    if indexed { try Self.reindex(tree.turns[number], number: number, adventure: id, db: db) }
                }
                if indexed && existing.opening != adventure.opening {
                    try Self.reindexOpening(adventure.opening, adventure: id, db: db)
                }
            } else {
                try NodeRecord.filter(Column("adventureId") == id).deleteAll(db)
                for turn in tree.turns.values { try Self.record(turn, of: tree, adventureID: id).insert(db) }
                if indexed { try Self.indexAdventure(id, db: db) }
            }
            if saved?.loreEdits != adventure.loreEdits {  // also when there is no saved revision
                try MemoryRecord.filter(Column("adventureId") == id).deleteAll(db)
                try WorldInfoRecord.filter(Column("adventureId") == id).deleteAll(db)
                try Self.insertLore(of: adventure, id: id, db: db)
            }
            try SettingRecord(key: Self.lastAdventureKey, value: String(id)).save(db)
        }
    }

    public func load(id: Int64) throws -> Adventure {
        try read { db in
            guard let record = try AdventureRecord.fetchOne(db, key: id) else { throw StorageError.noSuchAdventure(id) }
            let nodes = try NodeRecord.filter(Column("adventureId") == id).order(Column("number")).fetchCursor(db)
            let memory = try MemoryRecord.filter(Column("adventureId") == id).order(Column("position")).fetchAll(db)
            let worldInfo = try WorldInfoRecord.filter(Column("adventureId") == id).order(Column("position")).fetchAll(db)

            var adventure = Adventure(
                title: record.title, scenario: record.scenario, opening: record.opening,
                memory: memory.map(\.text), worldInfo: try worldInfo.map(Self.entry), authorsNote: record.authorsNote,
                settings: try Self.decodeSettings(record.settings), detectsEndings: record.detectsEndings)
            adventure.noteTemplate = record.noteTemplate
            adventure.ending = record.ending.flatMap(Ending.init(rawValue:))
            adventure.continuedAfterEnding = record.continuedAfterEnding
            // Replies share a handful of settings: each distinct JSON text is decoded once.
            var settingsByText: [String: GenerationSettings] = [:]
            var turns: [Turn] = []
            var pointers: [Int: Int] = [:]
            while let node = try nodes.next() {
                turns.append(try Self.turn(node, settings: &settingsByText))
                if let child = node.lastVisitedChild { pointers[node.number] = child }
            }
            if let first = record.firstTurnVisited { pointers[StoryTree.opening] = first }
            do {
                adventure.tree = try StoryTree(turns: turns, lastVisited: pointers, head: record.currentTurn)
            } catch {
                throw StorageError.failed("adventure \(id) cannot be read: \(error)")
            }
            return adventure
        }
    }

    /// Every adventure, most recently played first.
    public func list() throws -> [AdventureSummary] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, title, scenario, lastPlayedAt, storyLength AS turns
                FROM adventure ORDER BY lastPlayedAt DESC, id DESC
                """)
            // `decode` throws where a damaged file holds NULL or a wrong type (subscripts would trap).
            return try rows.map { row in
                AdventureSummary(id: try row.decode(forColumn: "id"), title: try row.decode(forColumn: "title"),
                                 scenario: try row.decode(forColumn: "scenario"), turns: try row.decode(forColumn: "turns"),
                                 lastPlayed: StoredDate.read(row["lastPlayedAt"]))
            }
        }
    }

    /// The adventure played last, if it still exists.
    public func lastAdventureID() throws -> Int64? {
        try read { db in
            if let value = try SettingRecord.fetchOne(db, key: Self.lastAdventureKey)?.value, let id = Int64(value),
               try AdventureRecord.exists(db, key: id) {
                return id
            }
            return try Int64.fetchOne(db, sql: "SELECT id FROM adventure ORDER BY lastPlayedAt DESC, id DESC LIMIT 1")
        }
    }

    public func rename(id: Int64, title: String) throws {
        let clean = TextSanitizer.clean(title).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !clean.isEmpty else { throw StorageError.failed("a title cannot be empty") }
        try write { db in
            guard var record = try AdventureRecord.fetchOne(db, key: id) else { throw StorageError.noSuchAdventure(id) }
            record.title = clean
            try record.update(db)
        }
    }

    public func delete(id: Int64) throws {
        try write { db in
            guard try AdventureRecord.deleteOne(db, key: id) else { throw StorageError.noSuchAdventure(id) }
            if try db.tableExists(Self.passageTable), hasFullTextSearch { try Self.removePassages(adventure: id, db: db) }
        }
    }

    static let lastAdventureKey = "lastAdventure"

    // MARK: Mapping

    private static func insertLore(of adventure: Adventure, id: Int64, db: Database) throws {
        for (position, text) in adventure.memory.enumerated() {
            var record = MemoryRecord(id: nil, adventureId: id, position: position, text: text)
            try record.insert(db)
        }
        for (position, entry) in adventure.worldInfo.enumerated() {
            var record = WorldInfoRecord(id: nil, adventureId: id, position: position, keys: try encode(entry.keys),
                                         secondaryKeys: try encode(entry.secondaryKeys), text: entry.text, alwaysOn: entry.alwaysOn,
                                         antiKeys: try encode(entry.antiKeys), disabled: entry.disabled, comment: entry.comment,
                                         logic: entry.logic.rawValue, caseSensitive: entry.caseSensitive,
                                         wholeWords: entry.wholeWords, insertionOrder: entry.order, scanDepth: entry.scanDepth)
            try record.insert(db)
        }
    }

    private static func record(_ turn: Turn, of tree: StoryTree, adventureID: Int64) throws -> NodeRecord {
        NodeRecord(adventureId: adventureID, number: turn.id, parent: turn.parent, mode: turn.mode.rawValue,
                   input: turn.input, action: turn.action, replyText: turn.reply?.text,
                   replySeed: turn.reply.map { Int64(bitPattern: $0.seed) },
                   replySettings: try turn.reply.map { try encode($0.settings) }, lastVisitedChild: tree.lastVisited[turn.id])
    }

    private static func turn(_ node: NodeRecord, settings cache: inout [String: GenerationSettings]) throws -> Turn {
        guard let mode = ActionMode(rawValue: node.mode) else {
            throw StorageError.failed("the save file has a turn with an unknown mode \(node.mode)")
        }
        var reply: Reply?
        if let text = node.replyText, let seed = node.replySeed, let settingsText = node.replySettings {
            if cache[settingsText] == nil { cache[settingsText] = try decodeSettings(settingsText) }
            reply = Reply(text: text, seed: UInt64(bitPattern: seed), settings: cache[settingsText]!)
        }
        return Turn(id: node.number, parent: node.parent, mode: mode, input: node.input, action: node.action, reply: reply)
    }

    private static func entry(_ record: WorldInfoRecord) throws -> WorldInfoEntry {
        guard let logic = SelectiveLogic(rawValue: record.logic) else {
            throw StorageError.failed("the save file has a world-info entry with an unknown logic \(record.logic.prefix(20))")
        }
        return WorldInfoEntry(keys: try decode([String].self, record.keys), text: record.text,
                              secondaryKeys: try decode([String].self, record.secondaryKeys), logic: logic, alwaysOn: record.alwaysOn,
                              antiKeys: try decode([String].self, record.antiKeys), disabled: record.disabled, comment: record.comment,
                              caseSensitive: record.caseSensitive, wholeWords: record.wholeWords, order: record.insertionOrder,
                              scanDepth: record.scanDepth)
    }

    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw StorageError.failed("the save file holds unreadable data: \(text.prefix(40))")
        }
    }

    static func decodeSettings(_ text: String) throws -> GenerationSettings {
        try decode(GenerationSettings.self, text)
    }
}

extension AdventureRecord {
    init(_ adventure: Adventure, id: Int64?, createdAt: Date, lastPlayedAt: Date) throws {
        self.init(id: id, title: adventure.title, scenario: adventure.scenario, opening: adventure.opening,
                  authorsNote: adventure.authorsNote, settings: try SaveDatabase.encode(adventure.settings),
                  detectsEndings: adventure.detectsEndings, ending: adventure.ending?.rawValue,
                  continuedAfterEnding: adventure.continuedAfterEnding, createdAt: createdAt, lastPlayedAt: lastPlayedAt,
                  currentTurn: adventure.tree.head, firstTurnVisited: adventure.tree.lastVisited[StoryTree.opening],
                  storyLength: adventure.turns.count, noteTemplate: adventure.noteTemplate)
    }
}
