import Foundation
import Story

/// Reads a character card's JSON: TavernAI's V1 (the fields at the top), V2
/// (`chara_card_v2`, malfoyslastname/character-card-spec-v2) and V3 (`chara_card_v3`,
/// kwaroran/character-card-spec-v3). What a text adventure cannot use is said.
enum CardReader {
    static func isCard(_ json: JSONObject) -> Bool {
        if let spec = json.values["spec"] as? String { return spec == "chara_card_v2" || spec == "chara_card_v3" }
        // V1: a name and at least one of the fields only cards have, and nothing an adventure save has.
        return json.has("name") && ["first_mes", "personality", "mes_example", "char_persona"].contains(where: json.has)
            && !json.has("actions")
    }

    static func read(_ json: JSONObject, container: String) throws -> CardImport {
        let spec = json.values["spec"] as? String
        let version: String
        let data: JSONObject
        switch spec {
        case "chara_card_v3":
            version = "V3"
            guard let inner = try json.object("data") else { throw LoreError.invalid("a chara_card_v3 card has no data") }
            data = inner
        case "chara_card_v2":
            version = "V2"
            guard let inner = try json.object("data") else { throw LoreError.invalid("a chara_card_v2 card has no data") }
            data = inner
        default:
            version = "V1"
            data = json
        }
        func text(_ key: String) throws -> String { AdventureImporter.clean(try data.string(key, default: "")) }
        let name = try text("name")
        guard !name.isEmpty else { throw LoreError.invalid("the card has no name") }
        var dropped: [String] = []
        var losses = BookReader.Losses()
        var book: [WorldInfoEntry] = []
        if let characterBook = try data.object("character_book") {
            book = try BookReader.characterBook(characterBook, losses: &losses)
            if characterBook.bool("recursive_scanning") == true { dropped.append("recursive scanning (world info is not searched for keys)") }
        }
        let greetings = ([try text("first_mes")] + (try data.strings("alternate_greetings")).map(AdventureImporter.clean))
            .filter { !$0.isEmpty }
        for (key, what) in [("mes_example", "example dialogues (chat format)"), ("system_prompt", "the system prompt (for chat models)"),
                            ("post_history_instructions", "post-history instructions (for chat models)")]
        where !(try text(key)).isEmpty {
            dropped.append(what)
        }
        let groupOnly = try data.strings("group_only_greetings").count
        if groupOnly > 0 { dropped.append(ImportResult.count(groupOnly, "group-only greeting")) }
        let assets = try data.objects("assets").filter { (try? $0.string("uri", default: "")) != "ccdefault:" }.count
        if assets > 0 { dropped.append("\(ImportResult.count(assets, "asset")) (images and sounds: dungeon shows none)") }
        if let extensions = try data.object("extensions"), let depth = try extensions.object("depth_prompt"),
           !AdventureImporter.clean(try depth.string("prompt", default: "")).isEmpty {
            dropped.append("the depth prompt (for chat models)")
        }
        dropped += losses.phrases
        let card = CharacterCard(name: name, nickname: try text("nickname"), description: try text("description"),
                                 personality: try text("personality"), scenario: try text("scenario"), greetings: greetings,
                                 book: book, creatorNotes: try text("creator_notes"), creator: try text("creator"),
                                 tags: try data.strings("tags").map(AdventureImporter.clean).filter { !$0.isEmpty })
        return CardImport(card: card, format: "character card \(version)\(container)", dropped: dropped)
    }
}
