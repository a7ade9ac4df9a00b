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
            try Self.insertChildren(of: adventure, id: id, db: db)
            try SettingRecord(key: Self.lastAdventureKey, value: String(id)).save(db)
            return id
        }
    }

    /// Replaces the stored adventure `id` with `adventure`, in one transaction: after a
    /// crash the file holds either the old adventure or the new one, never a mix.
    public func save(_ adventure: Adventure, id: Int64) throws {
        try write { db in
            guard let existing = try AdventureRecord.fetchOne(db, key: id) else { throw StorageError.noSuchAdventure(id) }
            let record = try AdventureRecord(adventure, id: id, createdAt: existing.createdAt, lastPlayedAt: now())
            try record.update(db)
            try TurnRecord.filter(Column("adventureId") == id).deleteAll(db)
            try MemoryRecord.filter(Column("adventureId") == id).deleteAll(db)
            try WorldInfoRecord.filter(Column("adventureId") == id).deleteAll(db)
            try Self.insertChildren(of: adventure, id: id, db: db)
            try SettingRecord(key: Self.lastAdventureKey, value: String(id)).save(db)
        }
    }

    public func load(id: Int64) throws -> Adventure {
        try read { db in
            guard let record = try AdventureRecord.fetchOne(db, key: id) else { throw StorageError.noSuchAdventure(id) }
            let turns = try TurnRecord.filter(Column("adventureId") == id).order(Column("position")).fetchAll(db)
            let turnIds = turns.compactMap(\.id)
            let replies = try ReplyRecord.filter(turnIds.contains(Column("turnId"))).order(Column("position")).fetchAll(db)
            let repliesByTurn = Dictionary(grouping: replies, by: \.turnId)
            let memory = try MemoryRecord.filter(Column("adventureId") == id).order(Column("position")).fetchAll(db)
            let worldInfo = try WorldInfoRecord.filter(Column("adventureId") == id).order(Column("position")).fetchAll(db)

            var adventure = Adventure(
                title: record.title, scenario: record.scenario, opening: record.opening,
                memory: memory.map(\.text), worldInfo: try worldInfo.map(Self.entry), authorsNote: record.authorsNote,
                settings: try Self.decodeSettings(record.settings), detectsEndings: record.detectsEndings)
            adventure.ending = record.ending.flatMap(Ending.init(rawValue:))
            adventure.continuedAfterEnding = record.continuedAfterEnding
            for turnRecord in turns {
                let turn = try Self.turn(turnRecord, replies: repliesByTurn[turnRecord.id ?? -1] ?? [])
                if turnRecord.isUndone { adventure.undone.append(turn) } else { adventure.turns.append(turn) }
            }
            return adventure
        }
    }

    /// Every adventure, most recently played first.
    public func list() throws -> [AdventureSummary] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT a.id, a.title, a.scenario, a.lastPlayedAt,
                       (SELECT COUNT(*) FROM turn t WHERE t.adventureId = a.id AND NOT t.isUndone) AS turns
                FROM adventure a ORDER BY a.lastPlayedAt DESC, a.id DESC
                """)
            // `decode` throws where a damaged file holds NULL or a wrong type (subscripts would trap).
            return try rows.map { row in
                AdventureSummary(id: try row.decode(forColumn: "id"), title: try row.decode(forColumn: "title"),
                                 scenario: try row.decode(forColumn: "scenario"), turns: try row.decode(forColumn: "turns"),
                                 lastPlayed: try row.decode(forColumn: "lastPlayedAt"))
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
        }
    }

    static let lastAdventureKey = "lastAdventure"

    // MARK: Mapping

    private static func insertChildren(of adventure: Adventure, id: Int64, db: Database) throws {
        let stacks = [(adventure.turns, false), (adventure.undone, true)]
        for (turns, isUndone) in stacks {
            for (position, turn) in turns.enumerated() {
                var record = TurnRecord(id: nil, adventureId: id, position: position, isUndone: isUndone,
                                        mode: turn.mode.rawValue, input: turn.input, action: turn.action, chosen: turn.chosen)
                try record.insert(db)
                for (replyPosition, reply) in turn.replies.enumerated() {
                    var replyRecord = ReplyRecord(id: nil, turnId: record.id!, position: replyPosition, text: reply.text,
                                                  seed: Int64(bitPattern: reply.seed), settings: try encode(reply.settings))
                    try replyRecord.insert(db)
                }
            }
        }
        for (position, text) in adventure.memory.enumerated() {
            var record = MemoryRecord(id: nil, adventureId: id, position: position, text: text)
            try record.insert(db)
        }
        for (position, entry) in adventure.worldInfo.enumerated() {
            var record = WorldInfoRecord(id: nil, adventureId: id, position: position, keys: try encode(entry.keys),
                                         secondaryKeys: try encode(entry.secondaryKeys), text: entry.text, alwaysOn: entry.alwaysOn)
            try record.insert(db)
        }
    }

    private static func turn(_ record: TurnRecord, replies: [ReplyRecord]) throws -> Turn {
        guard let mode = ActionMode(rawValue: record.mode) else {
            throw StorageError.failed("the save file has a turn with an unknown mode \(record.mode)")
        }
        let replies = try replies.map {
            Reply(text: $0.text, seed: UInt64(bitPattern: $0.seed), settings: try decodeSettings($0.settings))
        }
        return Turn(mode: mode, input: record.input, action: record.action, replies: replies,
                    chosen: min(max(0, record.chosen), max(0, replies.count - 1)))
    }

    private static func entry(_ record: WorldInfoRecord) throws -> WorldInfoEntry {
        WorldInfoEntry(keys: try decode([String].self, record.keys), text: record.text,
                       secondaryKeys: try decode([String].self, record.secondaryKeys), alwaysOn: record.alwaysOn)
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
                  continuedAfterEnding: adventure.continuedAfterEnding, createdAt: createdAt, lastPlayedAt: lastPlayedAt)
    }
}
