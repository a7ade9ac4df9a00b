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

extension NodeRecord {
    /// Requests select the columns in this order, so rows decode by position.
    static var databaseSelection: [any SQLSelectable] { [
        Column("adventureId"), Column("number"), Column("parent"), Column("mode"), Column("input"), Column("action"),
        Column("replyText"), Column("replySeed"), Column("replySettings"), Column("lastVisitedChild"),
    ] }

    /// Decodes by position rather than through `Codable` or by column name, which took most
    /// of the time of opening a 10,000-turn adventure.
    init(row: Row) throws {
        adventureId = try row.decode(atIndex: 0)
        number = try row.decode(atIndex: 1)
        parent = try row.decode(atIndex: 2)
        mode = try row.decode(atIndex: 3)
        input = try row.decode(atIndex: 4)
        action = try row.decode(atIndex: 5)
        replyText = try row.decode(atIndex: 6)
        replySeed = try row.decode(atIndex: 7)
        replySettings = try row.decode(atIndex: 8)
        lastVisitedChild = try row.decode(atIndex: 9)
    }
}
