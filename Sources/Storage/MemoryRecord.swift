import GRDB

/// A row of `memory`: one pinned memory entry.
struct MemoryRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "memory"

    var id: Int64?
    var adventureId: Int64
    var position: Int
    var text: String
}
