import Foundation
import Story

extension KoboldImport {
    /// KoboldAI Lite and KoboldCpp (LostRuins/lite.koboldai.net, index.html,
    /// `generate_savefile`): the Client layout (`prompt` is the first chunk, `actions` the
    /// rest) plus Lite's fields: world info with anti-keys, a trigger probability and a
    /// disabled flag, `savedsettings` (the sampler, the mode, the chat names; null when
    /// settings were not exported), personal notes, stop sequences, token bans, biases.
    static func lite(_ json: JSONObject, fileName: String) throws -> ImportResult {
        var dropped: [String] = []
        let settings = try json.object("savedsettings")
        let opmode = (settings?.number("opmode") ?? 0).saturatingInt
        let chatName = AdventureImporter.clean((try? settings?.string("chatname", default: "")) ?? "")
        let prompt = try json.string("prompt", default: "")
        let chunks = try Self.chunks(json).map { text -> Chunk in
            // In chat mode a line of the player's ("\nUser: hi") is their action; the rest replies.
            let spoken = opmode == 3 && !chatName.isEmpty && AdventureImporter.clean(text).hasPrefix(chatName + ":")
            return Chunk(text: text, alternatives: [], byPlayer: opmode == 3 ? spoken : nil)
        }
        let title = fileName.isEmpty || fileName == "saved_story" ? AdventureImporter.title(fromStory: prompt) : fileName
        var adventure = Adventure(title: AdventureImporter.clean(title), scenario: "KoboldAI Lite", opening: "")
        let story = Self.story(prompt: prompt, chunks: chunks, dropped: &dropped)
        adventure.opening = AdventureImporter.clean(story.opening)
        adventure.tree = StoryTree(linear: story.turns)
        try setContext(of: &adventure, memory: json.string("memory", default: ""), note: json.string("authorsnote", default: ""),
                       template: json.string("anotetemplate", default: Adventure.defaultNoteTemplate), dropped: &dropped)
        adventure.worldInfo = try liteWorldInfo(json, dropped: &dropped)

        if let settings {
            adventure.settings = AdventureImporter.settings(
                temperature: settings.number("temperature"), topK: settings.number("top_k"), topP: settings.number("top_p"),
                repetitionPenalty: settings.number("rep_pen"), replyLength: settings.number("max_length"), dropped: &dropped)
            try KoboldSamplers.read(settings, story: json, into: &adventure.settings, dropped: &dropped)
            if opmode == 3 { dropped.append("chat mode (the chat is kept: the player's lines as Story actions, the others as replies)") }
            if opmode == 4 { dropped.append("instruct mode (the instructions are kept as narration)") }
        }
        if settings == nil { try KoboldSamplers.read(nil, story: json, into: &adventure.settings, dropped: &dropped) }
        for (key, what) in [("personal_notes", "personal notes"), ("extrastopseq", "extra stop sequences")]
        where !AdventureImporter.clean(try json.string(key, default: "")).isEmpty {
            dropped.append("\(what) (not supported)")
        }
        if !((json.values["regexreplace_data"] as? [Any]) ?? []).isEmpty { dropped.append("regex replacements (not supported)") }
        return ImportResult(adventure: adventure, format: "KoboldAI Lite", dropped: dropped)
    }

    /// Lite's world info: the Client's fields plus `keyanti` (kept as anti-keys), `widisabled`
    /// (kept as disabled), `probability` (an entry below 100 % is kept switched off, and
    /// said: dungeon's world info is never random) and `wigroup` (groups are not kept).
    static func liteWorldInfo(_ json: JSONObject, dropped: inout [String]) throws -> [WorldInfoEntry] {
        var entries = try worldInfo(json, dropped: &dropped)
        var random = 0
        var grouped = 0
        var index = 0
        for item in try json.objects("worldinfo") {
            let text = AdventureImporter.clean(try item.string("content", default: ""))
            let comment = AdventureImporter.clean(try item.string("comment", default: ""))
            guard !text.isEmpty || !comment.isEmpty, index < entries.count else { continue }
            entries[index].antiKeys = splitKeys(try item.string("keyanti", default: ""))
            let probability = item.number("probability") ?? 100
            if probability < 100 { random += 1 }
            entries[index].disabled = item.bool("widisabled") == true || probability < 100
            let group = AdventureImporter.clean(try item.string("wigroup", default: ""))
            if !group.isEmpty && group != "General" { grouped += 1 }
            index += 1
        }
        if random > 0 {
            dropped.append("the trigger chance of \(ImportResult.count(random, "world-info entry", "world-info entries")) below 100 % "
                           + "(imported switched off; x in the list switches one on)")
        }
        if grouped > 0 { dropped.append("world-info groups (not supported; their \(ImportResult.count(grouped, "entry", "entries")) kept ungrouped)") }
        return entries
    }
}
