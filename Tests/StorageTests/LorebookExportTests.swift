import Foundation
import Testing
@testable import Storage
import Story

/// `dungeon export --format lorebook`: a SillyTavern World Info file that SillyTavern's
/// importWorldInfo and KoboldAI Lite's load_tavern_wi read, and that dungeon reads back as it was.
@Suite struct LorebookExportTests {
    static func adventure() -> Adventure {
        Adventure(title: "Lore", opening: "It begins.", worldInfo: [
            WorldInfoEntry(keys: ["Ashcombe", "village"], text: "A fishing village.", comment: "Ashcombe", order: 50),
            WorldInfoEntry(keys: ["bell"], text: "It rings at midnight.", secondaryKeys: ["church", "midnight"], logic: .andAll,
                           scanDepth: 3),
            WorldInfoEntry(keys: ["ELF"], text: "Elves never lie.", caseSensitive: true, wholeWords: false),
            WorldInfoEntry(keys: ["keeper"], text: "Sober.", secondaryKeys: ["drunk"], logic: .notAll, disabled: true, order: 200),
            WorldInfoEntry(keys: ["Margaret"], text: "Alive.", secondaryKeys: ["dead"], logic: .notAny),
            WorldInfoEntry(keys: [], text: "Always foggy.", alwaysOn: true, order: 10),
            WorldInfoEntry(keys: ["<tag>"], text: "\"Quotes\", back\\slashes, 日本語 and 🐉.", comment: "text"),
        ])
    }

    static func entries(_ text: String) throws -> [String: [String: Any]] {
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        return try #require(json?["entries"] as? [String: [String: Any]])
    }

    @Test func anExportedLorebookReadsBackIdentically() throws {
        let adventure = Self.adventure()
        let text = try AdventureExporter.export(adventure, as: .lorebook, date: fixedDate)
        guard case .lorebook(let book)? = try LoreImporter.read(Data(text.utf8)) else {
            Issue.record("the export is not read as a lorebook")
            return
        }
        #expect(book.format == "SillyTavern World Info")
        #expect(book.entries == adventure.worldInfo)
        #expect(book.dropped.isEmpty)
        // And merging it into the adventure it came from adds nothing.
        var copy = adventure
        #expect(try book.merge(into: &copy) == 0)
        #expect(AdventureExporter.losses(adventure, in: .lorebook).isEmpty)
    }

    /// Every field of SillyTavern's `newWorldInfoEntryDefinition` (extracted from its source
    /// into the fixture by Scripts/make_lore_fixtures.py), with the type it declares.
    @Test func everyEntryHasEveryFieldSillyTavernDefinesWithItsType() throws {
        let definitionData = try LoreImportTests.data("sillytavern-entry-definition.json")
        let definition = try #require(try JSONSerialization.jsonObject(with: definitionData) as? [String: [String: String]])
        #expect(definition.count >= 25)
        let entries = try Self.entries(try AdventureExporter.export(Self.adventure(), as: .lorebook, date: fixedDate))
        #expect(entries.count == 7)
        for (uid, entry) in entries {
            #expect(entry["uid"] as? Int == Int(uid))  // SillyTavern keys entries by uid; Lite's has_tavern_wi_check looks for it
            for (field, spec) in definition {
                let value = entry[field]
                let isBool = (value as? NSNumber).map { String(cString: $0.objCType) == "c" } ?? false
                let isNumber = value is NSNumber && !isBool
                let ok: Bool
                switch spec["type"] {
                case "array": ok = value is [Any]
                case "string": ok = value is String
                case "boolean": ok = isBool
                case "number", "enum": ok = isNumber
                case "number?": ok = isNumber || value is NSNull
                case "boolean?": ok = isBool || value is NSNull
                default: ok = false
                }
                #expect(ok, "entry \(uid): \(field) should be \(spec["type"] ?? "?"), is \(String(describing: value))")
            }
        }
    }

    /// What Lite's load_tavern_wi reads (`key` and `keysecondary` joined with commas,
    /// `content`, `comment`, `selective`, `constant`), and what SillyTavern's matching reads.
    @Test func theFieldsBothProgramsReadSayWhatDungeonMeans() throws {
        let entries = try Self.entries(try AdventureExporter.export(Self.adventure(), as: .lorebook, date: fixedDate))
        let bell = try #require(entries["1"])
        #expect((bell["key"] as? [String])?.joined(separator: ",") == "bell")
        #expect((bell["keysecondary"] as? [String])?.joined(separator: ",") == "church,midnight")
        #expect(bell["content"] as? String == "It rings at midnight.")
        #expect(bell["selective"] as? Bool == true)
        #expect(bell["selectiveLogic"] as? Int == 3)  // world_info_logic.AND_ALL
        #expect(bell["scanDepth"] as? Int == 6)  // messages: 3 turns
        #expect(entries["3"]?["selectiveLogic"] as? Int == 1 && entries["3"]?["disable"] as? Bool == true)
        #expect(entries["4"]?["selectiveLogic"] as? Int == 2)
        #expect(entries["5"]?["constant"] as? Bool == true && entries["5"]?["order"] as? Int == 10)
        #expect(entries["2"]?["caseSensitive"] as? Bool == true && entries["2"]?["matchWholeWords"] as? Bool == false)
        #expect(entries["0"]?["comment"] as? String == "Ashcombe" && entries["0"]?["addMemo"] as? Bool == true)
    }

    @Test func antiKeysBecomeNotAnySecondaryKeys() throws {
        let adventure = Adventure(title: "t", opening: "o", worldInfo: [
            WorldInfoEntry(keys: ["Vess"], text: "A captain.", antiKeys: ["dream"]),
            WorldInfoEntry(keys: ["reef"], text: "Rocks.", secondaryKeys: ["ship"], antiKeys: ["calm"]),
        ])
        let entries = try Self.entries(try AdventureExporter.export(adventure, as: .lorebook, date: fixedDate))
        #expect(entries["0"]?["keysecondary"] as? [String] == ["dream"] && entries["0"]?["selectiveLogic"] as? Int == 2)
        #expect(AdventureExporter.losses(adventure, in: .lorebook) == ["anti-keys of 1 entry that have secondary keys or are always on"])
        // The same story triggers the same entry either way.
        let read = try LoreImporter.lorebook(from: Data(try AdventureExporter.export(adventure, as: .lorebook, date: fixedDate).utf8))
        for text in ["Vess sails.", "Vess sails in a dream."] {
            #expect(WorldInfoMatcher.triggered([adventure.worldInfo[0]], in: text).count
                    == WorldInfoMatcher.triggered([read.entries[0]], in: text).count)
        }
    }

    /// A KoboldAI save cannot say how a lorebook's entries match: the export says so.
    @Test func aKoboldExportSaysWhatLorebookMatchingItLoses() {
        let losses = AdventureExporter.losses(Self.adventure(), in: .kobold)
        #expect(losses.contains("how 6 world-info entries match (secondary-key logic, capitals, whole words, order, scan depth: /export lorebook keeps them)"))
        let plain = Adventure(title: "t", opening: "o", worldInfo: [WorldInfoEntry(keys: ["a"], text: "b", secondaryKeys: ["c"])])
        #expect(AdventureExporter.losses(plain, in: .kobold).isEmpty)
    }
}
