import GRDB

/// A row of `reply`: one of a turn's replies, with the seed and settings that made it.
struct ReplyRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "reply"

    var id: Int64?
    var turnId: Int64
    var position: Int
    var text: String
    /// The 64-bit seed stored by bit pattern, since SQLite integers are signed.
    var seed: Int64
    var settings: String

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
