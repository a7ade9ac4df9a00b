import GRDB

/// A row of `turn`: one player action. Turns taken back by undo stay, marked `isUndone`,
/// so redo survives a restart.
struct TurnRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "turn"

    var id: Int64?
    var adventureId: Int64
    /// Order within the story, or within the redo stack for undone turns (last is redone first).
    var position: Int
    var isUndone: Bool
    var mode: String
    var input: String
    var action: String
    /// Which of the turn's replies the story uses.
    var chosen: Int

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
