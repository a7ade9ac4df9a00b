/// An adventure as dungeon's JSON holds it. The story is `tree`: every turn with its parent,
/// the current turn, and each turn's last-visited child. A document written before the
/// tree (a linear `turns` list with alternatives, and `undone`) still reads, as a tree.
extension Adventure: Codable {
    enum CodingKeys: String, CodingKey {
        case title, scenario, opening, tree, memory, worldInfo, authorsNote, noteTemplate, settings, detectsEndings, ending,
             continuedAfterEnding
        case turns, undone  // before the tree
    }

    struct TreeDocument: Codable {
        var turns: [Turn]
        var current: Int
        /// Keyed by the parent's id as text (JSON keys are strings); "0" is the opening.
        var lastVisited: [String: Int]
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(title: try container.decode(String.self, forKey: .title),
                  scenario: try container.decode(String.self, forKey: .scenario),
                  opening: try container.decode(String.self, forKey: .opening),
                  memory: try container.decode([String].self, forKey: .memory),
                  worldInfo: try container.decode([WorldInfoEntry].self, forKey: .worldInfo),
                  authorsNote: try container.decode(String.self, forKey: .authorsNote),
                  settings: try container.decode(GenerationSettings.self, forKey: .settings),
                  detectsEndings: try container.decode(Bool.self, forKey: .detectsEndings))
        noteTemplate = try container.decodeIfPresent(String.self, forKey: .noteTemplate) ?? Self.defaultNoteTemplate
        ending = try container.decodeIfPresent(Ending.self, forKey: .ending)
        continuedAfterEnding = try container.decode(Bool.self, forKey: .continuedAfterEnding)
        if container.contains(.tree) {
            let document = try container.decode(TreeDocument.self, forKey: .tree)
            var pointers: [Int: Int] = [:]
            for (parent, child) in document.lastVisited {
                guard let parentID = Int(parent) else {
                    throw DecodingError.dataCorruptedError(forKey: .tree, in: container,
                                                           debugDescription: "lastVisited has the key \(parent)")
                }
                pointers[parentID] = child
            }
            do {
                tree = try StoryTree(turns: document.turns, lastVisited: pointers, head: document.current)
            } catch {
                throw DecodingError.dataCorruptedError(forKey: .tree, in: container, debugDescription: "\(error)")
            }
        } else {
            tree = StoryTree(linear: try container.decode([LinearTurn].self, forKey: .turns),
                             undone: try container.decodeIfPresent([LinearTurn].self, forKey: .undone) ?? [])
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(title, forKey: .title)
        try container.encode(scenario, forKey: .scenario)
        try container.encode(opening, forKey: .opening)
        let turns = tree.turns.values.sorted { $0.id < $1.id }
        let pointers = Dictionary(uniqueKeysWithValues: tree.lastVisited.map { (String($0.key), $0.value) })
        try container.encode(TreeDocument(turns: turns, current: tree.head, lastVisited: pointers), forKey: .tree)
        try container.encode(memory, forKey: .memory)
        try container.encode(worldInfo, forKey: .worldInfo)
        try container.encode(authorsNote, forKey: .authorsNote)
        try container.encode(noteTemplate, forKey: .noteTemplate)
        try container.encode(settings, forKey: .settings)
        try container.encode(detectsEndings, forKey: .detectsEndings)
        try container.encodeIfPresent(ending, forKey: .ending)
        try container.encode(continuedAfterEnding, forKey: .continuedAfterEnding)
    }
}
