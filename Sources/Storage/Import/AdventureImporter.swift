import Foundation
import Story

/// Reads an adventure saved by dungeon or by the programs players come from. The format is
/// chosen by the file's structure, by keys only that format writes, never by a guess that
/// lets one format be read as another. Other programs' text is untrusted: it is sanitised
/// on the way in.
public enum AdventureImporter {
    /// The formats dungeon reads, as the error for an unknown file lists them.
    public static let knownFormats = [
        "dungeon JSON", "AI Dungeon 2", "AI Dungeon 2 Clover Edition", "KoboldAI Client (1.16 to 1.19)",
        "KoboldAI United (story.json)", "KoboldAI Lite / KoboldCpp",
    ]

    /// Reads `data`; `fileName` (without its extension) names adventures whose format has
    /// no title and whose files the player named (Clover Edition, KoboldAI).
    /// The offset of the first byte that does not belong to a valid UTF-8 sequence.
    static func firstInvalidUTF8(_ data: Data) -> Int {
        var offset = 0
        var iterator = data.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return offset
            case .error: return offset
            }
        }
    }

    public static func read(_ data: Data, fileName: String = "") throws -> ImportResult {
        guard data.count <= JSONExchange.maximumBytes else {
            throw ImportError.tooLarge(bytes: data.count, limit: JSONExchange.maximumBytes)
        }
        if data.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            throw ImportError.unsupported("a zip archive (KoboldAI United's .kaistory download is one): "
                                          + "unzip it and import the story.json inside")
        }
        try JSONExchange.checkDepth(data)
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data)
        } catch {
            // Name the real fault: bytes that are not UTF-8 (a file saved in another
            // encoding), or JSON's own syntax.
            if String(data: data, encoding: .utf8) == nil {
                let offset = Self.firstInvalidUTF8(data)
                throw ImportError.notJSON(detail: "byte \(offset) is not UTF-8 text; save the file as UTF-8 and import it again")
            }
            throw ImportError.notJSON(detail: "it cannot be parsed")
        }
        guard let dictionary = parsed as? [String: Any] else { throw ImportError.unknownFormat(known: knownFormats) }
        try JSONExchange.checkStrings(parsed)
        let json = JSONObject(dictionary)

        var result: ImportResult
        if json.values["format"] as? String == JSONExchange.formatName {
            result = ImportResult(adventure: try JSONExchange.importOwn(data, dictionary: dictionary), format: "dungeon")
        } else if json.has("storyContainerVersion") || (json.has("metadata") && json.has("content") && json.has("storyContainerVersion")) {
            throw ImportError.unsupported("a NovelAI .story file: NovelAI's story format is not public. "
                                          + "Copy the story's text from NovelAI and start a custom adventure with it")
        } else if json.has("story_start") && json.has("actions") && json.has("results") {
            result = try AIDungeonImport.aiDungeon2(json, fileName: fileName)
        } else if json.has("top-keks") && json.has("actions") && json.has("results") && (json.has("context") || json.has("prompt")) {
            result = try AIDungeonImport.clover(json, fileName: fileName)
        } else if json.has("file_version") && json.has("actions") {
            guard json.number("file_version") == 2 else {
                throw ImportError.unsupported("a KoboldAI United story of file version \(json.number("file_version").map(formatted) ?? "?"): "
                                              + "dungeon reads version 2")
            }
            result = try KoboldImport.united(json, fileName: fileName)
        } else if json.has("actions") && (json.has("savedsettings") || json.values["anotestr"] != nil || json.values["wiinsertlocation"] != nil) {
            result = try KoboldImport.lite(json, fileName: fileName)
        } else if json.has("actions") && json.has("prompt") && (json.has("gamestarted") || json.has("memory")) {
            result = try KoboldImport.client(json, fileName: fileName)
        } else {
            throw ImportError.unknownFormat(known: knownFormats)
        }
        try JSONExchange.validate(result.adventure)
        return result
    }

    // MARK: Shared by the importers

    static func clean(_ text: String) -> String {
        TextSanitizer.clean(text).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A title from the story's first words, for formats with none ("You are a knight in…").
    static func title(fromStory text: String) -> String {
        let words = clean(text).split(whereSeparator: \.isWhitespace)
        guard !words.isEmpty else { return "Imported adventure" }
        let first = words.prefix(7).joined(separator: " ")
        return words.count > 7 ? first + "…" : first
    }

    /// Another program's reply: cleaned text, no seed of ours (0) and default settings.
    static func reply(_ text: String) -> Reply {
        Reply(text: clean(text), seed: 0, settings: GenerationSettings())
    }

    /// The player's line as AI Dungeon and its forks store it ("You open the door.",
    /// `You say "Hi."`, narration, or nothing), as a turn in the matching mode.
    static func turn(action stored: String, replies: [String], chosen: Int = 0) -> LinearTurn {
        let action = clean(stored.drop(while: { $0 == ">" || $0.isWhitespace }).description)
        let options = replies.map(reply)
        let marked = stored.drop(while: \.isWhitespace).hasPrefix(">")
        guard !action.isEmpty else { return LinearTurn(mode: .continue, input: "", action: "", replies: options, chosen: chosen) }
        let lower = action.lowercased()
        if lower.hasPrefix("you say ") {
            let speech = String(action.dropFirst("you say ".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"“” "))
            return LinearTurn(mode: .say, input: speech, action: ActionFormatter.marker + action, replies: options, chosen: chosen)
        }
        if marked || lower.hasPrefix("you ") || lower == "you" {
            let input = lower.hasPrefix("you ") ? String(action.dropFirst(4)) : action
            return LinearTurn(mode: .do, input: input, action: ActionFormatter.marker + action, replies: options, chosen: chosen)
        }
        return LinearTurn(mode: .story, input: action, action: action, replies: options, chosen: chosen)
    }

    /// Sampler settings another program saved, where dungeon has the same setting and the
    /// value is in its range; each one left at dungeon's default is said in `dropped`.
    static func settings(temperature: Double?, topK: Double?, topP: Double?, repetitionPenalty: Double?,
                         replyLength: Double?, dropped: inout [String]) -> GenerationSettings {
        var settings = GenerationSettings()
        func take(_ value: Double?, _ name: String, _ apply: (inout GenerationSettings, Double) -> Void) {
            guard let value else { return }
            var trial = settings
            apply(&trial, value)
            if trial.problem == nil { settings = trial } else { dropped.append("\(name) \(formatted(value)) (outside dungeon's range)") }
        }
        take(temperature, "temperature") { $0.temperature = $1 }
        take(topK, "top-k") { $0.topK = $1.saturatingInt }
        take(topP, "top-p") { $0.topP = $1 }
        take(repetitionPenalty, "repetition penalty") { $0.repetitionPenalty = $1 }
        take(replyLength, "reply length") { $0.replyLength = $1.saturatingInt }
        return settings
    }

    private static func formatted(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
