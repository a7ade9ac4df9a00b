import Foundation
import GRDB

/// A row of `adventure`: everything about an adventure that is not a list.
struct AdventureRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "adventure"

    var id: Int64?
    var title: String
    var scenario: String
    var opening: String
    var authorsNote: String
    /// `GenerationSettings` as JSON: new settings need no migration.
    var settings: String
    var detectsEndings: Bool
    var ending: String?
    var continuedAfterEnding: Bool
    var createdAt: Date
    var lastPlayedAt: Date
    /// The story tree's current turn (`StoryTree.head`); 0 before the first turn.
    var currentTurn: Int
    /// The opening's last-visited child: where redo goes from the very start.
    var firstTurnVisited: Int?
    /// How many turns the story on screen has (the path to `currentTurn`), for the list of
    /// saves without walking every adventure's tree.
    var storyLength: Int
    /// How the author's note is written into the context; `<|>` stands for the note.
    var noteTemplate: String

    /// Dates are read by `StoredDate`, which cannot trap on a damaged value.
    static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        .custom { StoredDate.read($0) }
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
