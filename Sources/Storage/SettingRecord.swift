import GRDB

/// A row of `setting`: one game-wide preference (last adventure, theme, model...).
struct SettingRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "setting"

    var key: String
    var value: String
}
