/// A character card (TavernAI V1, `chara_card_v2`, `chara_card_v3`) as dungeon keeps it: what
/// a story can use, its text already cleaned. The file formats' names live in the importer.
public struct CharacterCard: Codable, Sendable, Equatable {
    public var name: String
    /// The name `{{char}}` stands for (V3's nickname, else the name).
    public var nickname: String
    public var description: String
    public var personality: String
    public var scenario: String
    /// The first message, then the alternate greetings: each a possible opening.
    public var greetings: [String]
    /// The card's own lorebook, as world info.
    public var book: [WorldInfoEntry]
    /// The creator's notes, for the player (never shown to the model).
    public var creatorNotes: String
    public var creator: String
    public var tags: [String]

    public init(name: String, nickname: String = "", description: String = "", personality: String = "", scenario: String = "",
                greetings: [String] = [], book: [WorldInfoEntry] = [], creatorNotes: String = "", creator: String = "",
                tags: [String] = []) {
        self.name = name
        self.nickname = nickname
        self.description = description
        self.personality = personality
        self.scenario = scenario
        self.greetings = greetings
        self.book = book
        self.creatorNotes = creatorNotes
        self.creator = creator
        self.tags = tags
    }

    /// Who `{{char}}` is.
    public var characterName: String { nickname.isEmpty ? name : nickname }
}

/// A card kept in the save file, as the new-adventure menu lists it.
public struct StoredCard: Sendable, Equatable {
    public var id: Int64
    public var card: CharacterCard
    /// "character card V2 (PNG)"…
    public var format: String

    public init(id: Int64, card: CharacterCard, format: String) {
        self.id = id
        self.card = card
        self.format = format
    }
}
