import Foundation
import GRDB
import Story

/// Character cards the player imported, kept in the save file so the new-adventure menu can
/// start an adventure from them at any time (the card as dungeon reads it, as JSON).
extension SaveDatabase {
    /// Keeps `card`; the same card imported again is not kept twice. Returns its id and
    /// whether it was new.
    @discardableResult
    public func keep(_ card: CharacterCard, format: String) throws -> (id: Int64, isNew: Bool) {
        let json = try Self.encode(card)
        return try write { db in
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM card WHERE card = ?", arguments: [json]) { return (id, false) }
            try db.execute(sql: "INSERT INTO card (name, format, card, importedAt) VALUES (?, ?, ?, ?)",
                           arguments: [card.name, format, json, now()])
            return (db.lastInsertedRowID, true)
        }
    }

    /// Every kept card, oldest first; one the file holds damaged is left out.
    public func cards() throws -> [StoredCard] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT id, format, card FROM card ORDER BY id").compactMap { row in
                guard let card = try? Self.decode(CharacterCard.self, row["card"] as String) else { return nil }
                return StoredCard(id: row["id"], card: card, format: row["format"])
            }
        }
    }

    public func deleteCard(id: Int64) throws {
        try write { db in try db.execute(sql: "DELETE FROM card WHERE id = ?", arguments: [id]) }
    }
}
