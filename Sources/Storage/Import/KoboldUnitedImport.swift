import Foundation
import Story

extension KoboldImport {
    /// KoboldAI United (henk717/KoboldAI; `koboldai_settings.py`, `story_settings.to_json`,
    /// "file_version": 2, written as stories/NAME/story.json): every story setting, with
    /// `actions` as {action_count, actions: {id: {Selected Text, Options, Origin…}}} (ids past
    /// action_count are chunks taken back with Back) and `worldinfo_v2` as {folders, entries}.
    /// Values Python could not write as JSON are pickles ("base64:…"): never read.
    static func united(_ json: JSONObject, fileName: String) throws -> ImportResult {
        var dropped: [String] = []
        let name = AdventureImporter.clean(try json.string("story_name", default: ""))
        let prompt = try json.string("prompt", default: "")
        let title = name.isEmpty || name == "New Game" ? (fileName.isEmpty || fileName == "story"
            ? AdventureImporter.title(fromStory: prompt) : fileName) : name
        var adventure = Adventure(title: AdventureImporter.clean(title), scenario: "KoboldAI United",
                                  opening: AdventureImporter.clean(prompt))
        try setContext(of: &adventure, memory: json.string("memory", default: ""), note: json.string("authornote", default: ""),
                       template: json.string("authornotetemplate", default: Adventure.defaultNoteTemplate), dropped: &dropped)

        guard let register = try json.object("actions") else { throw ImportError.invalid("actions is missing") }
        let count = (register.number("action_count") ?? -1).saturatingInt
        guard let table = try register.object("actions") else { throw ImportError.invalid("actions.actions is missing") }
        var entries: [(Int, JSONObject)] = []
        for (key, value) in table.values {
            guard let id = Int(key), let entry = value as? [String: Any] else {
                throw ImportError.invalid("actions.actions.\(key) is not an action")
            }
            entries.append((id, JSONObject(entry, path: "actions.actions.\(key)")))
        }
        entries.sort { $0.0 < $1.0 }
        let chunk = { (entry: JSONObject) -> Chunk in
            let options = ((try? entry.objects("Options")) ?? []).compactMap { try? $0.string("text") }.filter { !$0.isEmpty }
            let origin = try? entry.string("Origin")
            return Chunk(text: (try? entry.string("Selected Text")) ?? "", alternatives: options, byPlayer: origin.map { $0 == "user" })
        }
        let story = Self.story(prompt: prompt, chunks: entries.filter { $0.0 <= count }.map { chunk($0.1) }, dropped: &dropped)
        adventure.opening = AdventureImporter.clean(story.opening)
        adventure.tree = StoryTree(linear: story.turns, undone: redoBranch(entries.filter { $0.0 > count }.map { chunk($0.1) }))

        adventure.worldInfo = try unitedWorldInfo(json, dropped: &dropped)
        if !AdventureImporter.clean(try json.string("notes", default: "")).isEmpty { dropped.append("the story's notes (not supported)") }
        if let biases = try json.object("biases"), !biases.values.isEmpty { dropped.append("phrase biases (not supported)") }
        if json.bool("chatmode") == true { dropped.append("chat mode (the chat is kept as narration)") }
        return ImportResult(adventure: adventure, format: "KoboldAI United", dropped: dropped)
    }

    /// `worldinfo_v2`: entries in their folders' order; keys are lists; the title is kept as
    /// the comment when there is none; commentator entries (a voice, not lore) and folders
    /// other than the root are said.
    static func unitedWorldInfo(_ json: JSONObject, dropped: inout [String]) throws -> [WorldInfoEntry] {
        guard let info = try json.object("worldinfo_v2"), let table = try info.object("entries") else { return [] }
        var order: [String] = []
        var filed = 0
        if let folders = try info.object("folders") {
            for (folder, uids) in folders.values.sorted(by: { $0.key == "root" ? true : $1.key == "root" ? false : $0.key < $1.key }) {
                let ids = (uids as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.intValue }.map(String.init)
                if folder != "root" { filed += ids.count }
                order += ids
            }
        }
        order += table.values.keys.compactMap(Int.init).sorted().map(String.init).filter { !order.contains($0) }
        var entries: [WorldInfoEntry] = []
        var commentators = 0
        for uid in order {
            guard let value = table.values[uid] as? [String: Any] else { continue }
            let item = JSONObject(value, path: "worldinfo_v2.entries.\(uid)")
            let type = try item.string("type", default: "wi")
            if type == "commentator" {
                commentators += 1
                continue
            }
            let text = AdventureImporter.clean(try item.string("content", default: ""))
            let comment = AdventureImporter.clean(try item.string("comment", default: ""))
            let title = AdventureImporter.clean(try item.string("title", default: ""))
            guard !text.isEmpty else { continue }
            let keys = try item.strings("key").map(AdventureImporter.clean).filter { !$0.isEmpty }
            let secondary = try item.strings("keysecondary").map(AdventureImporter.clean).filter { !$0.isEmpty }
            entries.append(WorldInfoEntry(keys: keys, text: text, secondaryKeys: (item.bool("selective") ?? !secondary.isEmpty) ? secondary : [],
                                          alwaysOn: item.bool("constant") == true || type == "constant",
                                          comment: comment.isEmpty ? title : comment))
        }
        if filed > 0 { dropped.append("world-info folders (not supported; their \(ImportResult.count(filed, "entry", "entries")) kept unfiled)") }
        if commentators > 0 { dropped.append("\(ImportResult.count(commentators, "commentator entry", "commentator entries")) (not supported)") }
        return entries
    }
}
