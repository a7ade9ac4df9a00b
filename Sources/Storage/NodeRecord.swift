import GRDB

/// A row of `node`: one turn of an adventure's story tree. Rows are added as turns are
/// played; a row changes only when its reply arrives, when it is edited in place, or when
/// its last-visited child changes; a deleted branch's rows are deleted.
struct NodeRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "node"

    var adventureId: Int64
    /// The turn's id within its adventure (`Turn.id`).
    var number: Int
    /// 0 for a first turn, which follows the opening.
    var parent: Int
    var mode: String
    var input: String
    var action: String
    /// The reply, or NULL (all three) while it is being written.
    var replyText: String?
    /// The 64-bit seed stored by bit pattern, since SQLite integers are signed.
    var replySeed: Int64?
    /// `GenerationSettings` as JSON.
    var replySettings: String?
    var lastVisitedChild: Int?
}
