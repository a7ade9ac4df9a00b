import Foundation
import Story

/// KoboldAI saves. The story is `prompt` followed by `actions`, chunks of text KoboldAI
/// shows joined with nothing; in adventure mode a chunk starting with ">" is the player's
/// action.
enum KoboldImport {
    /// One chunk of a KoboldAI story and the other versions of it the player saw.
    struct Chunk {
        var text: String
        var alternatives: [String]
        /// Whether the player wrote it (KoboldAI United records this; the Client does not).
        var byPlayer: Bool?
    }

    /// KoboldAI Client 1.16 to 1.19 (KoboldAI/KoboldAI-Client, `aiserver.py`, `saveRequest`):
    /// `prompt`, `memory`, `authorsnote`, `anotetemplate`, `actions`, `actions_metadata`
    /// (each chunk's other versions: retries, and chunks taken back with Back, past the
    /// end), `worldinfo` and its folders.
    static func client(_ json: JSONObject, fileName: String) throws -> ImportResult {
        let prompt = try json.string("prompt", default: "")
        let chunks = try Self.chunks(json)
        let metadata = try Self.metadata(json)
        var dropped: [String] = []

        let ownTitle = (try? json.object("dungeon")).flatMap { try? $0.string("title", default: "") } ?? ""
        let title = !ownTitle.isEmpty ? ownTitle : fileName.isEmpty ? AdventureImporter.title(fromStory: prompt) : fileName
        var adventure = Adventure(title: AdventureImporter.clean(title), scenario: "KoboldAI",
                                  opening: AdventureImporter.clean(prompt))
        try setContext(of: &adventure, memory: json.string("memory", default: ""), note: json.string("authorsnote", default: ""),
                       template: json.string("anotetemplate", default: Adventure.defaultNoteTemplate), dropped: &dropped)
        adventure.worldInfo = try worldInfo(json, dropped: &dropped)

        let alternatives = { (index: Int) in metadata[index].map(Self.alternatives) ?? [] }
        let story = Self.exported(json, prompt: prompt, chunks: chunks, alternatives: alternatives)
            ?? Self.story(prompt: prompt, chunks: chunks.enumerated().map { Chunk(text: $0.element, alternatives: alternatives($0.offset)) },
                          dropped: &dropped)
        adventure.opening = AdventureImporter.clean(story.opening)
        // Metadata past the last chunk holds chunks taken back with Back: a branch redo brings back.
        let takenBack = metadata.keys.filter { $0 >= chunks.count }.sorted().compactMap { index in
            metadata[index].flatMap { try? $0.string("Selected Text") }.map { Chunk(text: $0, alternatives: alternatives(index)) }
        }
        adventure.tree = StoryTree(linear: story.turns, undone: redoBranch(takenBack))
        return ImportResult(adventure: adventure, format: "KoboldAI Client", dropped: dropped)
    }

    /// Chunks as turns, read as KoboldAI shows them (joined with nothing): an action chunk
    /// starts a turn and the chunk after it is its reply; a chunk that goes on without a line
    /// break (often mid-sentence) continues the text before it, the opening or the last
    /// reply, and each of its other versions is another version of that reply; a chunk
    /// starting a new paragraph is a turn of its own.
    static func story(prompt: String, chunks: [Chunk], dropped: inout [String]) -> (opening: String, turns: [LinearTurn]) {
        var opening = prompt
        var turns: [LinearTurn] = []
        var lostVersions = 0
        for chunk in chunks where !AdventureImporter.clean(chunk.text).isEmpty {
            let (text, others) = (chunk.text, chunk.alternatives)
            if text.drop(while: \.isWhitespace).hasPrefix(">") {
                turns.append(AdventureImporter.turn(action: text, replies: []))
            } else if chunk.byPlayer == true {
                // Narration the player wrote (Story mode): an action of its own, the next chunk its reply.
                let insert = AdventureImporter.clean(text)
                turns.append(LinearTurn(mode: .story, input: insert, action: insert))
            } else if var last = turns.last, last.mode != .continue, last.replies.isEmpty {
                last.replies = (others + [text]).map(AdventureImporter.reply)
                last.chosen = last.replies.count - 1
                turns[turns.count - 1] = last
            } else if text.first?.isNewline == true {
                let replies = others + [text]
                turns.append(AdventureImporter.turn(action: "", replies: replies, chosen: replies.count - 1))
            } else if var last = turns.last, last.replies.indices.contains(last.chosen) {
                let before = last.replies.remove(at: last.chosen).text
                last.replies += (others + [text]).map { AdventureImporter.reply(before + $0) }
                last.chosen = last.replies.count - 1
                turns[turns.count - 1] = last
            } else {
                opening += text
                lostVersions += others.count
            }
        }
        if lostVersions > 0 {
            dropped.append("\(ImportResult.count(lostVersions, "other version")) of the text continuing the opening (not supported)")
        }
        return (opening, turns)
    }

    /// A save dungeon exported, read by the description it wrote beside the chunks (who
    /// wrote each, the actions' modes and inputs, the selected reply's place among its
    /// versions); nil when there is none or it no longer matches the chunks (the story was
    /// changed in KoboldAI), and the chunks are then read as any KoboldAI save.
    static func exported(_ json: JSONObject, prompt: String, chunks: [String],
                         alternatives: (Int) -> [String]) -> (opening: String, turns: [LinearTurn])? {
        guard let described = try? json.object("dungeon")?.objects("chunks"), described.count == chunks.count else { return nil }
        var turns: [LinearTurn] = []
        for (index, (text, about)) in zip(chunks, described).enumerated() {
            if (try? about.string("by", default: "")) == "player" {
                guard let mode = (try? about.string("mode", default: "")).flatMap(ActionMode.init(rawValue:)), mode != .continue else { return nil }
                let input = AdventureImporter.clean((try? about.string("input", default: "")) ?? "")
                var action = AdventureImporter.clean(text.drop(while: { $0.isWhitespace }).description)
                if mode == .do || mode == .say {
                    guard action.hasPrefix(">") else { return nil }
                    action = ActionFormatter.marker + AdventureImporter.clean(String(action.dropFirst()))
                }
                turns.append(LinearTurn(mode: mode, input: input, action: action))
            } else {
                var versions = alternatives(index).map(AdventureImporter.reply)
                let selected = min(max(0, about.number("selected").map(Int.init) ?? versions.count), versions.count)
                versions.insert(AdventureImporter.reply(text), at: selected)
                if about.bool("continues") == true || turns.last.map({ !$0.replies.isEmpty }) ?? true {
                    turns.append(LinearTurn(mode: .continue, input: "", action: "", replies: versions, chosen: selected))
                } else {
                    turns[turns.count - 1].replies = versions
                    turns[turns.count - 1].chosen = selected
                }
            }
        }
        return (prompt, turns)
    }

    /// Chunks taken back with Back, as the undone turns redo brings back (each a paragraph
    /// of its own: they continue nothing on screen), most recently taken back last.
    static func redoBranch(_ chunks: [Chunk]) -> [LinearTurn] {
        var ignored: [String] = []
        let paragraphs = chunks.map { Chunk(text: "\n\n" + $0.text, alternatives: $0.alternatives, byPlayer: $0.byPlayer) }
        return story(prompt: "", chunks: paragraphs, dropped: &ignored).turns.reversed()
    }

    /// KoboldAI's memory (one text, pinned), author's note and its template (`<|>` stands
    /// for the note; a template without one is said and the default kept).
    static func setContext(of adventure: inout Adventure, memory: String, note: String, template: String, dropped: inout [String]) {
        let memory = AdventureImporter.clean(memory)
        if !memory.isEmpty { adventure.memory = [memory] }
        adventure.authorsNote = AdventureImporter.clean(note)
        if template.contains("<|>") {
            adventure.noteTemplate = TextSanitizer.clean(template)
        } else if !template.isEmpty {
            dropped.append("the author's note template \"\(AdventureImporter.clean(template))\" (it has no <|>)")
        }
    }

    /// `actions`: a list (Client), or an object keyed by chunk number.
    static func chunks(_ json: JSONObject) throws -> [String] {
        if let map = json.values["actions"] as? [String: Any] {
            return try map.keys.compactMap(Int.init).sorted().map { key in
                guard let text = map[String(key)] as? String else { throw ImportError.invalid("actions.\(key) is not text") }
                return text
            }
        }
        return try json.strings("actions")
    }

    /// `actions_metadata`: a list, or an object keyed by chunk number (1.19).
    static func metadata(_ json: JSONObject) throws -> [Int: JSONObject] {
        if let map = try? json.object("actions_metadata") {
            return Dictionary(uniqueKeysWithValues: try map.values.compactMap { key, value -> (Int, JSONObject)? in
                guard let index = Int(key) else { return nil }
                guard let entry = value as? [String: Any] else { throw ImportError.invalid("actions_metadata.\(key) is not an object") }
                return (index, JSONObject(entry, path: "actions_metadata.\(key)"))
            })
        }
        return Dictionary(uniqueKeysWithValues: try json.objects("actions_metadata").enumerated().map { ($0.offset, $0.element) })
    }

    /// A chunk's other versions the player saw: earlier selections (retries) and the
    /// options generated beside it, oldest first.
    static func alternatives(_ entry: JSONObject) -> [String] {
        ((try? entry.objects("Alternative Text")) ?? []).compactMap { try? $0.string("Text") }.reversed()
    }

    /// `worldinfo`: comma-separated keys, secondary keys when `selective`, `constant`, the
    /// comment; folders are not kept (and said).
    static func worldInfo(_ json: JSONObject, dropped: inout [String]) throws -> [WorldInfoEntry] {
        var entries: [WorldInfoEntry] = []
        var unusedSecondary = 0
        var inFolders = 0
        for item in try json.objects("worldinfo") {
            let text = AdventureImporter.clean(try item.string("content", default: ""))
            let comment = AdventureImporter.clean(try item.string("comment", default: ""))
            guard !text.isEmpty || !comment.isEmpty else { continue }
            let selective = item.bool("selective") ?? false
            let secondary = splitKeys(try item.string("keysecondary", default: ""))
            if !selective && !secondary.isEmpty { unusedSecondary += 1 }
            if item.has("folder") { inFolders += 1 }
            entries.append(WorldInfoEntry(keys: splitKeys(try item.string("key", default: "")), text: text,
                                          secondaryKeys: selective ? secondary : [], alwaysOn: item.bool("constant") ?? false,
                                          comment: comment))
        }
        let folders = (try? json.object("wifolders_d"))?.values.count ?? 0
        if folders > 0 || inFolders > 0 {
            dropped.append("world-info folders (not supported; their \(ImportResult.count(inFolders, "entry", "entries")) kept unfiled)")
        }
        if unusedSecondary > 0 {
            dropped.append("secondary keys of \(ImportResult.count(unusedSecondary, "entry", "entries")) not marked selective (KoboldAI ignored them too)")
        }
        return entries
    }

    static func splitKeys(_ text: String) -> [String] {
        text.split(separator: ",").map { AdventureImporter.clean(String($0)) }.filter { !$0.isEmpty }
    }
}
