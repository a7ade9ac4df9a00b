import GRDB

/// A row of `worldInfo`: one world-info entry; key lists are JSON arrays.
struct WorldInfoRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "worldInfo"

    var id: Int64?
    var adventureId: Int64
    var position: Int
    var keys: String
    var secondaryKeys: String
    var text: String
    var alwaysOn: Bool
    var antiKeys: String
    var disabled: Bool
    var comment: String
    var logic: String
    var caseSensitive: Bool
    var wholeWords: Bool
    var insertionOrder: Int
    var scanDepth: Int?
}
