/// A ready-made start: a setting, its characters, and the opening each character begins with.
public struct Scenario: Codable, Sendable, Equatable {
    public struct Character: Codable, Sendable, Equatable {
        public var name: String
        public var opening: String
        public var memory: [String]

        public init(name: String, opening: String, memory: [String] = []) {
            self.name = name
            self.opening = opening
            self.memory = memory
        }
    }

    public var id: String
    public var title: String
    public var description: String
    public var characters: [Character]
    public var worldInfo: [WorldInfoEntry]
    public var authorsNote: String

    public init(id: String, title: String, description: String, characters: [Character],
                worldInfo: [WorldInfoEntry] = [], authorsNote: String = "") {
        self.id = id
        self.title = title
        self.description = description
        self.characters = characters
        self.worldInfo = worldInfo
        self.authorsNote = authorsNote
    }

    /// A new adventure as `character` (by name, case-insensitive; the first when nil).
    public func adventure(character name: String?) -> Adventure? {
        let character: Character?
        if let name {
            character = characters.first { $0.name.lowercased() == name.lowercased() }
        } else {
            character = characters.first
        }
        guard let character else { return nil }
        return Adventure(title: "\(title): the \(character.name)", scenario: id, opening: character.opening,
                         memory: character.memory, worldInfo: worldInfo, authorsNote: authorsNote)
    }

    /// A custom start from the player's own opening text.
    public static func custom(opening: String, title: String? = nil) -> Adventure {
        let clean = TextSanitizer.clean(opening).trimmingSpaces
        let firstLine = clean.split(separator: "\n").first.map(String.init) ?? "A new adventure"
        return Adventure(title: title ?? DisplayWidth.truncate(firstLine, to: 40), scenario: "custom", opening: clean)
    }
}
