import Foundation
import Story

/// A character card read from a file, and what it held that dungeon does not use.
public struct CardImport: Sendable {
    public var card: CharacterCard
    /// "character card V2 (PNG)"…
    public var format: String
    public var dropped: [String]

    /// "Seraphina: 3 greetings, description, personality, scenario, 12 world-info entries; dropped: …"
    public var summary: String {
        var kept = [ImportResult.count(card.greetings.count, "greeting")]
        kept += [("description", card.description), ("personality", card.personality), ("scenario", card.scenario)]
            .filter { !$0.1.isEmpty }.map(\.0)
        if !card.book.isEmpty { kept.append(ImportResult.count(card.book.count, "world-info entry", "world-info entries")) }
        let text = "\(card.name): " + kept.joined(separator: ", ")
        return dropped.isEmpty ? text : text + "; dropped: " + dropped.joined(separator: ", ")
    }
}

/// World info read from a lorebook file.
public struct LorebookImport: Sendable {
    public var entries: [WorldInfoEntry]
    /// "SillyTavern World Info", "NovelAI lorebook"…
    public var format: String
    public var dropped: [String]

    /// "12 world-info entries (2 switched off); dropped: …"
    public var summary: String {
        let off = entries.filter(\.disabled).count
        let text = ImportResult.count(entries.count, "world-info entry", "world-info entries") + (off > 0 ? " (\(off) switched off)" : "")
        return dropped.isEmpty ? text : text + "; dropped: " + dropped.joined(separator: ", ")
    }

    /// "12 entries added (2 switched off), 3 already there; dropped: …", after `merge` added `added`.
    public func report(added: Int) -> String {
        let off = entries.filter(\.disabled).count
        var text = ImportResult.count(added, "entry", "entries") + " added" + (off > 0 ? " (\(off) switched off)" : "")
        if added < entries.count { text += ", \(entries.count - added) already there" }
        return dropped.isEmpty ? text : text + "; dropped: " + dropped.joined(separator: ", ")
    }

    /// `adventure` with these entries after its own; one equal to an entry it has already is
    /// not added twice. Returns how many were added.
    public func merge(into adventure: inout Adventure) throws -> Int {
        let new = entries.filter { !adventure.worldInfo.contains($0) }
        guard adventure.worldInfo.count + new.count <= LoreImporter.maximumEntries else {
            throw LoreError.tooManyEntries(count: adventure.worldInfo.count + new.count, limit: LoreImporter.maximumEntries)
        }
        if !new.isEmpty { adventure.worldInfo += new }
        return new.count
    }
}

/// What a lore file holds.
public enum LoreFile: Sendable {
    case card(CardImport)
    case lorebook(LorebookImport)
}

/// Recognises character cards and lorebooks by their content: a PNG's text chunks, a CHARX
/// archive's card.json, or JSON keys only that format writes. Everything read is untrusted:
/// sizes are bounded, text cleaned, and a failure changes nothing.
public enum LoreImporter {
    /// World-info entries an adventure takes: every entry's keys are searched on every turn.
    public static let maximumEntries = 2_000
    static let maximumCardBytes = 16 << 20

    public static let knownFormats = [
        "character cards (V1, V2, V3: JSON, PNG, CHARX)", "SillyTavern World Info", "lorebook_v3", "NovelAI lorebooks (JSON, PNG)",
        "AI Dungeon Story Cards", "KoboldAI Lite world info",
    ]

    /// The world info `data` holds for an adventure: a lorebook's entries, or a card's own
    /// lorebook (`{{char}}` as the card's name, `{{user}}` as "you").
    public static func lorebook(from data: Data) throws -> LorebookImport {
        switch try read(data) {
        case .lorebook(let book):
            return book
        case .card(let card):
            let name = card.card.characterName
            let entries = card.card.book.map { CardText.substitute($0, character: name, player: "you") }
            let unused = "the card's greetings, description, personality and scenario (a card starts its own adventure)"
            return LorebookImport(entries: entries, format: "\(card.format) of \(card.card.name)", dropped: [unused] + card.dropped)
        case nil:
            if (try? AdventureImporter.read(data)) != nil {
                throw LoreError.noLore("it is an adventure save; `dungeon import FILE` imports it as an adventure")
            }
            throw LoreError.noLore("dungeon reads " + knownFormats.joined(separator: ", "))
        }
    }

    /// The lore in `data`, or nil when it is not a lore file (an adventure save, say).
    public static func read(_ data: Data) throws -> LoreFile? {
        guard data.count <= JSONExchange.maximumBytes else {
            throw ImportError.tooLarge(bytes: data.count, limit: JSONExchange.maximumBytes)
        }
        if PNGText.isPNG(data) { return try png(data) }
        if ZipArchive.isZip(data) {
            let archive = try ZipArchive(data)
            guard let card = try archive.contents(of: "card.json", limit: maximumCardBytes) else { return nil }
            let others = archive.entries.filter { $0.name != "card.json" && !$0.name.hasSuffix("/") }.count
            var result = try readJSON(card, container: " (CHARX)", what: "card.json")
            if case .card(var imported)? = result, others > 0, !imported.dropped.contains(where: { $0.contains("asset") }) {
                imported.dropped.append("\(ImportResult.count(others, "asset")) (images and sounds: dungeon shows none)")
                result = .card(imported)
            }
            guard let result else { throw LoreError.noLore("the CHARX's card.json is not a character card") }
            return result
        }
        return try readJSON(data, container: "", what: "the file")
    }

    /// A card in `ccv3` (preferred) or `chara`, or a NovelAI lorebook in `naidata`: base64 JSON.
    private static func png(_ data: Data) throws -> LoreFile {
        let chunks = try PNGText.chunks(data)
        for keyword in ["ccv3", "chara", "naidata"] {
            guard let chunk = chunks.first(where: { $0.keyword == keyword }) else { continue }
            let text = String(decoding: chunk.text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let decoded = Data(base64Encoded: text, options: .ignoreUnknownCharacters), !decoded.isEmpty else {
                throw LoreError.invalid("the PNG's \(keyword) chunk is not base64")
            }
            guard let lore = try readJSON(decoded, container: " (PNG)", what: "the PNG's \(keyword) chunk") else {
                throw LoreError.noLore("the PNG's \(keyword) chunk holds JSON that is not a card or lorebook")
            }
            return lore
        }
        throw LoreError.noLore("the PNG has no chara, ccv3 or naidata text chunk")
    }

    private static func readJSON(_ data: Data, container: String, what: String) throws -> LoreFile? {
        try JSONExchange.checkDepth(data)
        guard let parsed = try? JSONSerialization.jsonObject(with: data) else {
            guard container.isEmpty else { throw LoreError.invalid("\(what) is not JSON") }
            return nil  // not JSON: the adventure importer says why
        }
        try JSONExchange.checkStrings(parsed)
        var losses = BookReader.Losses()
        var dropped: [String] = []
        // Counted before any entry is converted: a 50,000-entry file is refused at once.
        let rawCount = (parsed as? [Any])?.count ?? ((parsed as? [String: Any]).map { dictionary in
            let entries = dictionary["entries"] ?? (dictionary["data"] as? [String: Any])?["entries"]
            return (entries as? [Any])?.count ?? (entries as? [String: Any])?.count ?? 0
        } ?? 0)
        guard rawCount <= maximumEntries else { throw LoreError.tooManyEntries(count: rawCount, limit: maximumEntries) }
        let book: LorebookImport
        if let list = parsed as? [Any] {
            let first = list.first as? [String: Any]
            if first?["value"] != nil && first?["keys"] is String {
                book = LorebookImport(entries: try BookReader.aiDungeon(list, losses: &losses), format: "AI Dungeon Story Cards", dropped: [])
            } else if first?["content"] != nil && first?["key"] is String {
                book = LorebookImport(entries: try BookReader.koboldLite(list, dropped: &dropped), format: "KoboldAI Lite world info", dropped: [])
            } else {
                return nil
            }
        } else if let dictionary = parsed as? [String: Any] {
            let json = JSONObject(dictionary)
            if CardReader.isCard(json) { return .card(try CardReader.read(json, container: container)) }
            if json.values["spec"] as? String == "lorebook_v3" {
                guard let data = try json.object("data") else { throw LoreError.invalid("a lorebook_v3 file has no data") }
                book = LorebookImport(entries: try BookReader.characterBook(data, losses: &losses), format: "lorebook_v3", dropped: [])
            } else if json.has("lorebookVersion") {
                book = LorebookImport(entries: try BookReader.novelAI(json, losses: &losses, dropped: &dropped),
                                      format: "NovelAI lorebook" + container, dropped: [])
            } else if json.values["entries"] is [String: Any] {
                book = LorebookImport(entries: try BookReader.sillyTavern(json, losses: &losses), format: "SillyTavern World Info", dropped: [])
            } else if let entries = json.values["entries"] as? [Any], (entries.first as? [String: Any])?["keys"] != nil {
                book = LorebookImport(entries: try BookReader.characterBook(json, losses: &losses), format: "character book", dropped: [])
            } else {
                return nil
            }
        } else {
            return nil
        }
        var result = book
        result.dropped = dropped + losses.phrases
        return .lorebook(result)
    }
}
