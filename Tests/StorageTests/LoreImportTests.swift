import Foundation
import Testing
import TestSupport
@testable import Storage
import Story

/// Character cards and lorebooks as the programs players use write them (made by
/// Scripts/make_lore_fixtures.py, which names the spec or function each follows), read
/// field by field with the import's report.
@Suite struct LoreImportTests {
    static let folder = repositoryRoot.appendingPathComponent("Tests/StorageTests/Fixtures/lore")

    static func data(_ name: String) throws -> Data { try Data(contentsOf: folder.appendingPathComponent(name)) }

    static func card(_ name: String) throws -> CardImport {
        guard case .card(let card)? = try LoreImporter.read(data(name)) else { throw LoreError.invalid("\(name) is not read as a card") }
        return card
    }

    static func book(_ name: String) throws -> LorebookImport {
        guard case .lorebook(let book)? = try LoreImporter.read(data(name)) else { throw LoreError.invalid("\(name) is not read as a lorebook") }
        return book
    }

    @Test func aV2CardReadsEveryFieldAStoryUses() throws {
        let imported = try Self.card("card-v2.json")
        let card = imported.card
        #expect(imported.format == "character card V2")
        #expect(card.name == "Seraphina")
        #expect(card.nickname == "")
        #expect(card.description == "{{char}} is a guardian of the forest, tall, with pink hair and amber eyes.\nShe heals the wounded who stray into her glade.")
        #expect(card.personality == "caring, protective, stern with those who harm the forest")
        #expect(card.scenario == "{{user}} wakes in {{char}}'s glade, wounded, after an attack by shadow beasts.")
        #expect(card.greetings.count == 3)
        #expect(card.greetings[0].hasPrefix("*{{char}} kneels beside {{user}}"))
        #expect(card.greetings[2] == "*Rain.* {{char}} finds {{user}} at the edge of the forest.")
        #expect(card.creatorNotes == "Best with a gentle start.")
        #expect(card.creator == "dungeon fixtures")
        #expect(card.tags == ["fantasy", "healer"])

        // The character book, entry by entry (the spec's fields and SillyTavern's extensions).
        #expect(card.book.count == 3)
        let forest = card.book[0]
        #expect(forest.keys == ["Eldoria", "forest"])
        #expect(forest.secondaryKeys == ["glade", "grove"])
        #expect(forest.logic == .andAll)
        #expect(forest.caseSensitive)
        #expect(!forest.wholeWords)
        #expect(forest.order == 120)
        #expect(forest.scanDepth == 3)  // 6 messages
        #expect(forest.comment == "The forest")
        #expect(!forest.disabled && !forest.alwaysOn)
        let shadow = card.book[1]
        #expect(shadow.keys == ["Shadowkin"])  // the regex key left out
        #expect(shadow.secondaryKeys.isEmpty)  // not selective
        #expect(shadow.disabled)  // a 40 % chance
        #expect(shadow.comment == "Shadowkin")  // the name when there is no comment
        #expect(shadow.scanDepth == 2)  // the book's scan depth, 4 messages
        let rule = card.book[2]
        #expect(rule.alwaysOn && rule.disabled && rule.keys.isEmpty)

        #expect(imported.dropped == [
            "recursive scanning (world info is not searched for keys)", "example dialogues (chat format)",
            "the system prompt (for chat models)", "post-history instructions (for chat models)", "the depth prompt (for chat models)",
            "regex keys of 1 entry (dungeon matches words; those keys are left out)",
            "the trigger chance of 1 entry below 100 % (imported switched off: dungeon's world info is never random)",
            "sticky, cooldown and delay timings of 1 entry (not supported)",
            "insertion positions of 1 entry (at a depth, by the author's note or by examples: placed where dungeon puts world info)",
            "inclusion groups of 1 entry (not supported; every entry of a group can come in)",
            "secondary keys of 1 entry not marked selective (ignored there too)",
        ])
        #expect(imported.summary.hasPrefix("Seraphina: 3 greetings, description, personality, scenario, 3 world-info entries; dropped: "))
    }

    @Test func aPNGCardIsTheSameCardAsItsJSON() throws {
        #expect(try Self.card("card-v2.png").card == Self.card("card-v2.json").card)
        #expect(try Self.card("card-v2.png").format == "character card V2 (PNG)")
    }

    @Test func aV3CardIsPreferredToTheV2ChunkBesideIt() throws {
        let imported = try Self.card("card-v3.png")
        #expect(imported.format == "character card V3 (PNG)")
        #expect(imported.card.name == "Seraphina")  // the chara chunk's card is "Seraphina (V2 chunk)"
        #expect(imported.card.nickname == "Sera")
        #expect(imported.card.characterName == "Sera")
        #expect(imported.card == (try Self.card("card-v3.json")).card)
        #expect(imported.dropped.contains("1 group-only greeting"))
        #expect(imported.dropped.contains("1 asset (images and sounds: dungeon shows none)"))  // the default icon is not one
    }

    @Test func aCHARXCardIsItsCardJSON() throws {
        let imported = try Self.card("card.charx")
        #expect(imported.format == "character card V3 (CHARX)")
        #expect(imported.card == (try Self.card("card-v3.json")).card)
    }

    @Test func aV1CardHasItsFieldsAtTheTop() throws {
        let imported = try Self.card("card-v1.json")
        #expect(imported.format == "character card V1")
        #expect(imported.card.name == "Aldric")
        #expect(imported.card.greetings.count == 1)
        #expect(imported.card.book.isEmpty)
        #expect(imported.dropped == ["example dialogues (chat format)"])
    }

    @Test func sillyTavernWorldInfoKeepsEveryFieldDungeonHas() throws {
        let book = try Self.book("sillytavern-world.json")
        #expect(book.format == "SillyTavern World Info")
        // Listed by displayIndex, though the file keys them out of order.
        #expect(book.entries.map(\.comment) == ["Ashcombe", "AND ANY", "NOT ALL", "NOT ANY", "AND ALL", "case, parts of words",
                                                "regex, chance", "depth, timed, group", "off", "always", "hostile text"])
        let byComment = Dictionary(uniqueKeysWithValues: book.entries.map { ($0.comment, $0) })
        #expect(byComment["Ashcombe"]!.keys == ["Ashcombe", "village"])
        #expect(byComment["Ashcombe"]!.order == 50)
        #expect(byComment["AND ANY"]!.logic == .andAny && byComment["AND ANY"]!.secondaryKeys == ["storm", "night"])
        #expect(byComment["NOT ALL"]!.logic == .notAll)
        #expect(byComment["NOT ANY"]!.logic == .notAny)
        #expect(byComment["AND ALL"]!.logic == .andAll && byComment["AND ALL"]!.scanDepth == 3)
        #expect(byComment["case, parts of words"]!.caseSensitive && !byComment["case, parts of words"]!.wholeWords)
        #expect(byComment["Ashcombe"]!.wholeWords && !byComment["Ashcombe"]!.caseSensitive)  // null: SillyTavern's defaults
        #expect(byComment["regex, chance"]!.keys == ["tide"] && byComment["regex, chance"]!.disabled)
        #expect(byComment["off"]!.disabled && byComment["off"]!.order == 200)
        #expect(byComment["always"]!.alwaysOn && byComment["always"]!.order == 10)
        #expect(byComment["hostile text"]!.text == "<b>Curfew</b> <script>alert(1)</script> at nine.")  // escapes gone; HTML is text
        #expect(book.dropped == [
            "regex keys of 1 entry (dungeon matches words; those keys are left out)",
            "the trigger chance of 1 entry below 100 % (imported switched off: dungeon's world info is never random)",
            "sticky, cooldown and delay timings of 1 entry (not supported)",
            "insertion positions of 1 entry (at a depth, by the author's note or by examples: placed where dungeon puts world info)",
            "inclusion groups of 1 entry (not supported; every entry of a group can come in)",
        ])
    }

    @Test func lorebookV3DropsRegexKeysAndDecorators() throws {
        let book = try Self.book("lorebook-v3.json")
        #expect(book.format == "lorebook_v3")
        #expect(book.entries.map(\.keys) == [["harbour"], []])
        #expect(book.entries[0].scanDepth == 1 && book.entries[0].order == 10)
        #expect(book.entries[1].text == "The fog has a voice.")
        #expect(book.entries[1].disabled)  // no key left
        #expect(book.dropped.contains("@@ decorators of 1 entry (not supported; removed from the text)"))
        #expect(book.dropped.contains("1 entry with no key left (imported switched off)"))
    }

    @Test func novelAILorebooksReadAsJSONAndPNG() throws {
        let book = try Self.book("novelai.lorebook")
        #expect(book.format == "NovelAI lorebook")
        #expect(book.entries.map(\.comment) == ["Brannock", "Iron Road", "Gods", "Always"])
        #expect(book.entries[0].keys == ["Brannock", "smith"] && book.entries[0].order == 500)
        #expect(book.entries[2].disabled && book.entries[2].keys.isEmpty)
        #expect(book.entries[3].alwaysOn)
        #expect(book.dropped.contains("search ranges of 1 entry (dungeon searches recent turns, not characters)"))
        #expect(book.dropped.contains("categories (not supported; their entries kept)"))
        let png = try Self.book("novelai-lorebook.png")
        #expect(png.format == "NovelAI lorebook (PNG)")
        #expect(png.entries == book.entries)
    }

    @Test func aiDungeonStoryCardsAndLiteWorldInfo() throws {
        let cards = try Self.book("aid-story-cards.json")
        #expect(cards.format == "AI Dungeon Story Cards")
        #expect(cards.entries.map(\.keys) == [["Kaelen", "ranger"], ["Greyhold"]])
        #expect(cards.entries.map(\.comment) == ["Kaelen (character)", "Greyhold (location)"])
        let lite = try Self.book("kobold-lite-wi.json")
        #expect(lite.format == "KoboldAI Lite world info")
        #expect(lite.entries[0].keys == ["Vess", "captain"] && lite.entries[0].secondaryKeys == ["ship"])
        #expect(lite.entries[0].antiKeys == ["dream"])
        #expect(lite.entries[1].disabled)
    }

    @Test(arguments: [
        ("no-card.png", "the file holds no character card or lorebook: the PNG has no chara, ccv3 or naidata text chunk"),
        ("truncated.png", "the PNG cannot be read: its tEXt chunk runs past the end of the file (truncated)"),
        ("not-json.png", "the card or lorebook is not valid: the PNG's chara chunk is not JSON"),
        ("traversal.charx", "the CHARX archive cannot be read: it holds a path outside itself (../../escaped.txt)"),
        ("bomb.charx", "the CHARX archive cannot be read: its card.json would be 64 MiB; dungeon reads at most 16 MiB"),
        ("bomb-lying.charx", "the CHARX archive cannot be read: its card.json inflates past 16 MiB (a zip bomb?)"),
    ])
    func damagedAndHostileFilesAreOneLineErrors(file: String, message: String) throws {
        #expect(throws: (any Error).self) { try LoreImporter.read(Self.data(file)) }
        do {
            _ = try LoreImporter.read(Self.data(file))
        } catch {
            #expect(String(describing: error) == message)
        }
    }

    @Test func aPNGWithADamagedCRCIsRefused() throws {
        var bytes = [UInt8](try Self.data("card-v2.png"))
        // The first chunk after the signature is IHDR: flip a byte of its data.
        bytes[16] ^= 0xFF
        #expect(throws: LoreError.damagedPNG("its IHDR chunk fails its CRC check")) { try LoreImporter.read(Data(bytes)) }
    }

    @Test func invalidUTF8IsNamedByItsByte() throws {
        let data = try Self.data("invalid-utf8.json")
        #expect(try LoreImporter.read(data) == nil)  // not JSON: the adventure importer reads it and says why
        #expect(throws: ImportError.notJSON(detail: "byte 48 is not UTF-8 text; save the file as UTF-8 and import it again")) {
            try AdventureImporter.read(data)
        }
    }

    @Test func hostileTextIsCleanedOnTheWayIn() throws {
        let card = try Self.card("hostile-card.png").card
        #expect(card.name == "Mallory")
        for text in [card.name, card.description] + card.greetings {
            #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || (0x7F...0x9F).contains($0.value) })
        }
        // An adventure from it exports with the markup as text, never live.
        let start = CardStart(counter: WordCounter(), window: 1024, reserved: 84)
        let adventure = start.adventure(from: card, greeting: 0, player: "<b>Eve</b>").adventure
        let html = HTMLExport.render(adventure, date: fixedDate, branches: [])
        #expect(!html.contains("<script>") && !html.contains("<img"))
        #expect(html.contains("&lt;script&gt;"))
    }

    @Test func fiftyThousandEntriesAreRefusedAtOnce() throws {
        let entries = (0..<50_000).map { ["keys": ["k\($0)"], "content": "entry \($0)", "enabled": true, "insertion_order": 1] as [String: Any] }
        let spec = try JSONSerialization.data(withJSONObject: ["spec": "lorebook_v3", "data": ["entries": entries]])
        #expect(throws: LoreError.tooManyEntries(count: 50_000, limit: 2_000)) { try LoreImporter.read(spec) }
        let tavern = try JSONSerialization.data(withJSONObject: ["entries": Dictionary(uniqueKeysWithValues: (0..<50_000).map {
            (String($0), ["uid": $0, "key": ["k\($0)"], "content": "entry"] as [String: Any]) })])
        #expect(throws: LoreError.tooManyEntries(count: 50_000, limit: 2_000)) { try LoreImporter.read(tavern) }
    }

    @Test func anAdventureSaveIsNotLore() throws {
        let save = try Data(contentsOf: ForeignImportTests.folder.appendingPathComponent("clover.json"))
        #expect(try LoreImporter.read(save) == nil)
        #expect(throws: LoreError.noLore("it is an adventure save; `dungeon import FILE` imports it as an adventure")) {
            try LoreImporter.lorebook(from: save)
        }
    }
}

/// Counts words, for tests that need a token counter without a tokenizer.
struct WordCounter: TokenCounter {
    func tokenCount(_ text: String) -> Int { text.split(whereSeparator: { $0.isWhitespace }).count }
}

extension LoreFile: Equatable {
    public static func == (lhs: LoreFile, rhs: LoreFile) -> Bool {
        switch (lhs, rhs) {
        case (.card(let a), .card(let b)): return a.card == b.card && a.format == b.format && a.dropped == b.dropped
        case (.lorebook(let a), .lorebook(let b)): return a.entries == b.entries && a.format == b.format && a.dropped == b.dropped
        default: return false
        }
    }
}
