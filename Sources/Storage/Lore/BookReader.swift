import Foundation
import Story

/// Reads the lorebook formats players bring into world-info entries, saying what each file
/// held that dungeon's world info does not do (regex keys, trigger chances, timed effects,
/// insertion positions, groups) rather than dropping it quietly. Text is cleaned on the way in.
enum BookReader {
    /// SillyTavern counts scan depth in chat messages, dungeon in turns (an action and its reply);
    /// a depth past the story's possible length is the whole story anyway.
    static func turns(fromMessages messages: Double) -> Int { (min(max(0, messages.saturatingInt), maximumDepth) + 1) / 2 }

    static let maximumDepth = 100_000

    /// What entries held that is not kept, counted and said once per kind.
    struct Losses {
        var regexKeys = 0
        var chance = 0
        var timed = 0
        var positions = 0
        var grouped = 0
        var decorators = 0
        var unusedSecondary = 0
        var keyless = 0

        var phrases: [String] {
            var said: [String] = []
            func say(_ n: Int, _ text: (String) -> String) { if n > 0 { said.append(text(ImportResult.count(n, "entry", "entries"))) } }
            say(regexKeys) { "regex keys of \($0) (dungeon matches words; those keys are left out)" }
            say(keyless) { "\($0) with no key left (imported switched off)" }
            say(chance) { "the trigger chance of \($0) below 100 % (imported switched off: dungeon's world info is never random)" }
            say(timed) { "sticky, cooldown and delay timings of \($0) (not supported)" }
            say(positions) { "insertion positions of \($0) (at a depth, by the author's note or by examples: placed where dungeon puts world info)" }
            say(grouped) { "inclusion groups of \($0) (not supported; every entry of a group can come in)" }
            say(decorators) { "@@ decorators of \($0) (not supported; removed from the text)" }
            say(unusedSecondary) { "secondary keys of \($0) not marked selective (ignored there too)" }
            return said
        }
    }

    /// A key written as a JavaScript regex, `/pattern/flags`, as SillyTavern and NovelAI read them.
    static func isRegex(_ key: String) -> Bool {
        key.count >= 2 && key.hasPrefix("/") && key.dropFirst().contains("/")
            && key[key.index(after: key.lastIndex(of: "/")!)...].allSatisfy { "gimsuyd".contains($0) }
    }

    /// Keys cleaned, regex keys left out (counted), never empty ones.
    static func keys(_ raw: [String], regex: Bool = false, losses: inout Losses, dropped: inout Bool) -> [String] {
        let cleaned = raw.map(AdventureImporter.clean).filter { !$0.isEmpty }
        let kept = regex ? [] : cleaned.filter { !isRegex($0) }
        if kept.count < cleaned.count { dropped = true }
        return kept
    }

    // MARK: Character books (V2's character_book, V3's lorebook_v3)

    /// `entries` of a character book (malfoyslastname/character-card-spec-v2, spec_v2.md; V3 adds
    /// `use_regex`), with SillyTavern's `extensions` (world-info.js, convertCharacterBook).
    static func characterBook(_ book: JSONObject, losses: inout Losses) throws -> [WorldInfoEntry] {
        let bookDepth = book.number("scan_depth").map(turns(fromMessages:))
        let count = (book.values["entries"] as? [Any])?.count ?? 0
        guard count <= LoreImporter.maximumEntries else { throw LoreError.tooManyEntries(count: count, limit: LoreImporter.maximumEntries) }
        return try book.objects("entries").compactMap { item in
            let extensions = try item.object("extensions") ?? JSONObject([:], path: item.name("extensions"))
            var regexDropped = false
            let regex = item.bool("use_regex") == true
            let keys = Self.keys(try item.strings("keys"), regex: regex, losses: &losses, dropped: &regexDropped)
            let selective = item.bool("selective") ?? false
            var secondary = Self.keys(try item.strings("secondary_keys"), regex: regex, losses: &losses, dropped: &regexDropped)
            if !selective && !secondary.isEmpty { losses.unusedSecondary += 1; secondary = [] }
            var text = try item.string("content", default: "")
            if text.split(separator: "\n").contains(where: { $0.hasPrefix("@@") }) {
                losses.decorators += 1
                text = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("@@") }.joined(separator: "\n")
            }
            let constant = item.bool("constant") ?? false
            var entry = WorldInfoEntry(
                keys: keys, text: AdventureImporter.clean(text), secondaryKeys: secondary,
                logic: logic(extensions.number("selectiveLogic")), alwaysOn: constant,
                disabled: item.bool("enabled") == false,
                comment: AdventureImporter.clean(try item.string("comment", default: "").isEmpty
                                                 ? item.string("name", default: "") : item.string("comment", default: "")),
                caseSensitive: item.bool("case_sensitive") ?? extensions.bool("case_sensitive") ?? false,
                wholeWords: extensions.bool("match_whole_words") ?? true,
                order: (item.number("insertion_order") ?? 100).saturatingInt,
                scanDepth: extensions.number("scan_depth").map(turns(fromMessages:)) ?? bookDepth)
            guard !entry.text.isEmpty || !entry.comment.isEmpty else { return nil }
            note(&entry, regexDropped: regexDropped, losses: &losses)
            sillyTavernExtras(extensions, of: &entry, losses: &losses)
            return entry
        }
    }

    // MARK: SillyTavern World Info

    /// A SillyTavern World Info file: `entries` keyed by uid, each with the fields of
    /// `newWorldInfoEntryDefinition` (public/scripts/world-info.js), listed by `displayIndex`.
    static func sillyTavern(_ json: JSONObject, losses: inout Losses) throws -> [WorldInfoEntry] {
        guard let entries = try json.object("entries") else { throw LoreError.invalid("entries is not an object") }
        let items = try entries.values.keys.map { key -> JSONObject in
            guard let item = try entries.object(key) else { throw LoreError.invalid("entries.\(LoreError.shown(key)) is not an object") }
            return item
        }.sorted { a, b in
            let (ai, bi) = (a.number("displayIndex") ?? a.number("uid") ?? 0, b.number("displayIndex") ?? b.number("uid") ?? 0)
            return ai != bi ? ai < bi : (a.number("uid") ?? 0) < (b.number("uid") ?? 0)
        }
        return try items.compactMap { item in
            var regexDropped = false
            let keys = Self.keys(try stringList(item, "key"), losses: &losses, dropped: &regexDropped)
            let selective = item.bool("selective") ?? true
            var secondary = Self.keys(try stringList(item, "keysecondary"), losses: &losses, dropped: &regexDropped)
            if !selective && !secondary.isEmpty { losses.unusedSecondary += 1; secondary = [] }
            var entry = WorldInfoEntry(
                keys: keys, text: AdventureImporter.clean(try item.string("content", default: "")), secondaryKeys: secondary,
                logic: logic(item.number("selectiveLogic")), alwaysOn: item.bool("constant") ?? false,
                disabled: item.bool("disable") ?? false, comment: AdventureImporter.clean(try item.string("comment", default: "")),
                caseSensitive: item.bool("caseSensitive") ?? false, wholeWords: item.bool("matchWholeWords") ?? true,
                order: (item.number("order") ?? 100).saturatingInt, scanDepth: item.number("scanDepth").map(turns(fromMessages:)))
            guard !entry.text.isEmpty || !entry.comment.isEmpty else { return nil }
            note(&entry, regexDropped: regexDropped, losses: &losses)
            sillyTavernExtras(item, of: &entry, losses: &losses)
            return entry
        }
    }

    /// A list of text, or one comma-separated text (older SillyTavern and Lite files).
    private static func stringList(_ item: JSONObject, _ key: String) throws -> [String] {
        if let text = item.values[key] as? String { return text.split(separator: ",").map(String.init) }
        return try item.strings(key)
    }

    // MARK: NovelAI, AI Dungeon, KoboldAI Lite

    /// A NovelAI lorebook (`lorebookVersion`; SillyTavern's convertNovelLorebook and Lite's
    /// load_nai_wi read the same fields): text, keys, enabled, displayName, forceActivation,
    /// and contextConfig.budgetPriority as the order.
    static func novelAI(_ json: JSONObject, losses: inout Losses, dropped: inout [String]) throws -> [WorldInfoEntry] {
        var searchRanges = 0
        let entries = try json.objects("entries").compactMap { item -> WorldInfoEntry? in
            var regexDropped = false
            let keys = Self.keys(try item.strings("keys"), losses: &losses, dropped: &regexDropped)
            let config = try item.object("contextConfig")
            if let range = item.number("searchRange"), range != 1000 { searchRanges += 1 }
            var entry = WorldInfoEntry(keys: keys, text: AdventureImporter.clean(try item.string("text", default: "")),
                                       alwaysOn: item.bool("forceActivation") ?? false, disabled: item.bool("enabled") == false,
                                       comment: AdventureImporter.clean(try item.string("displayName", default: "")),
                                       order: (config?.number("budgetPriority") ?? 400).saturatingInt)
            guard !entry.text.isEmpty || !entry.comment.isEmpty else { return nil }
            note(&entry, regexDropped: regexDropped, losses: &losses)
            return entry
        }
        if searchRanges > 0 {
            dropped.append("search ranges of \(ImportResult.count(searchRanges, "entry", "entries")) (dungeon searches recent turns, not characters)")
        }
        if !((json.values["categories"] as? [Any]) ?? []).isEmpty { dropped.append("categories (not supported; their entries kept)") }
        return entries
    }

    /// AI Dungeon's Story Cards export: a list of `{keys, value, type, title, description}`
    /// (Lite's load_aid_wi), keys comma-separated, the title and type kept as the comment.
    static func aiDungeon(_ items: [Any], losses: inout Losses) throws -> [WorldInfoEntry] {
        try items.enumerated().compactMap { index, value in
            guard let object = value as? [String: Any] else { throw LoreError.invalid("story card \(index + 1) is not an object") }
            let item = JSONObject(object, path: "[\(index)]")
            var regexDropped = false
            let keys = Self.keys(try item.string("keys", default: "").split(separator: ",").map(String.init),
                                 losses: &losses, dropped: &regexDropped)
            let title = AdventureImporter.clean(try item.string("title", default: ""))
            let type = AdventureImporter.clean(try item.string("type", default: ""))
            var entry = WorldInfoEntry(keys: keys, text: AdventureImporter.clean(try item.string("value", default: "")),
                                       comment: [title, type.isEmpty ? "" : "(\(type))"].filter { !$0.isEmpty }.joined(separator: " "))
            guard !entry.text.isEmpty else { return nil }
            note(&entry, regexDropped: regexDropped, losses: &losses)
            return entry
        }
    }

    /// KoboldAI Lite's world-info export: the list Lite keeps (`key`, `keysecondary`, `keyanti`…).
    static func koboldLite(_ items: [Any], dropped: inout [String]) throws -> [WorldInfoEntry] {
        try KoboldImport.liteWorldInfo(JSONObject(["worldinfo": items]), dropped: &dropped)
    }

    // MARK: Shared

    /// SillyTavern's `selectiveLogic` numbers (world_info_logic).
    static func logic(_ number: Double?) -> SelectiveLogic {
        switch number.map(\.saturatingInt) {
        case 1: return .notAll
        case 2: return .notAny
        case 3: return .andAll
        default: return .andAny
        }
    }

    /// What SillyTavern's entries (and the `extensions` it writes into character books) hold
    /// beyond dungeon's world info: a trigger chance (the entry comes over switched off),
    /// sticky, cooldown and delay timings, an insertion position other than before or after
    /// the character, an inclusion group. Each is counted for the report.
    private static func sillyTavernExtras(_ fields: JSONObject, of entry: inout WorldInfoEntry, losses: inout Losses) {
        if let probability = fields.number("probability"), probability < 100, fields.bool("useProbability") != false {
            losses.chance += 1
            entry.disabled = true
        }
        if ["sticky", "cooldown", "delay"].contains(where: { (fields.number($0) ?? 0) > 0 }) { losses.timed += 1 }
        if let position = fields.number("position"), position >= 2 { losses.positions += 1 }
        if !((try? fields.string("group", default: "")) ?? "").isEmpty { losses.grouped += 1 }
    }

    /// An entry left with no key at all (only regex ones) is kept, switched off.
    private static func note(_ entry: inout WorldInfoEntry, regexDropped: Bool, losses: inout Losses) {
        guard regexDropped else { return }
        losses.regexKeys += 1
        if entry.keys.isEmpty && !entry.alwaysOn {
            losses.keyless += 1
            entry.disabled = true
        }
    }
}
