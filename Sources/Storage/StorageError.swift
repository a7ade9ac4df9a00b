import Story

/// What went wrong with the save file, worded for the player.
public enum StorageError: Error, Equatable, CustomStringConvertible {
    case notADatabase(path: String)
    /// An SQLite database that belongs to another program.
    case foreignDatabase(path: String, detail: String)
    case corrupt(path: String, detail: String)
    case newerVersion(path: String)
    case cannotOpen(path: String, reason: String)
    case readOnly(path: String)
    case diskFull(path: String)
    case busy(path: String)
    case noSuchAdventure(Int64)
    case adventureInUse(Int64)
    case failed(String)

    /// One line, whatever bytes a damaged file put into it (a detail may quote stored text).
    public var description: String {
        TextSanitizer.clean(sentence).replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\t", with: " ")
    }

    private var sentence: String {
        switch self {
        case .notADatabase(let path):
            return "\(path) is not a dungeon save file (not an SQLite database); it was left untouched"
        case .foreignDatabase(let path, let detail):
            return "\(path) is not a dungeon save file (another program's SQLite database: \(detail)); it was left untouched"
        case .corrupt(let path, let detail):
            return "the save file \(path) is damaged (\(detail)); it was left untouched, restore a backup or move it aside"
        case .newerVersion(let path):
            return "the save file \(path) was written by a newer version of dungeon; update dungeon to open it"
        case .cannotOpen(let path, let reason):
            return "cannot open the save file \(path): \(reason)"
        case .readOnly(let path):
            return "the save file \(path) cannot be written (read-only file or folder); choose another with --saves"
        case .diskFull(let path):
            return "the disk holding \(path) is full; the last change was not saved, free some space and try again"
        case .busy(let path):
            return "the save file \(path) is busy in another dungeon process; try again in a moment"
        case .noSuchAdventure(let id):
            return "there is no adventure \(id); `dungeon list` shows them"
        case .adventureInUse(let id):
            return "adventure \(id) is open in another dungeon window; quit it there first"
        case .failed(let message):
            return message
        }
    }
}
