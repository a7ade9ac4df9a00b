import Foundation
import Story

/// Saves from other games, brought over as dungeon adventures. Their text is untrusted:
/// it is sanitised on the way in.
enum LegacyImport {
    /// The original AI Dungeon 2: `context` + `story_start`, then `actions[i]` answered by `results[i]`.
    static func aiDungeon2(_ save: [String: Any], title: String) throws -> Adventure {
        guard let start = save["story_start"] as? String else { throw ImportError.invalid("story_start is not text") }
        let context = save["context"] as? String ?? ""
        guard let actions = save["actions"] as? [Any], let results = (save["results"] ?? [Any]()) as? [Any] else {
            throw ImportError.invalid("actions and results must be lists")
        }
        guard let actionTexts = actions as? [String], let resultTexts = results as? [String] else {
            throw ImportError.invalid("actions and results must be lists of text")
        }
        var adventure = Adventure(title: clean(title), scenario: "AI Dungeon 2", opening: clean(context + start))
        var turns: [LinearTurn] = []
        for index in 0..<max(actionTexts.count, resultTexts.count) {
            let action = index < actionTexts.count ? clean(actionTexts[index]) : ""
            let result = index < resultTexts.count ? clean(resultTexts[index]) : ""
            if action.isEmpty && result.isEmpty { continue }
            turns.append(turn(action: action, reply: result))
        }
        adventure.tree = StoryTree(linear: turns)
        return adventure
    }

    /// KoboldAI: `prompt`, `memory`, `authorsnote`, `worldinfo`, and `actions`, the story's
    /// chunks in order, where a chunk starting with ">" is the player's action (adventure mode).
    static func koboldAI(_ save: [String: Any], title: String) throws -> Adventure {
        let prompt = save["prompt"] as? String ?? ""
        let chunks: [String]
        if let list = save["actions"] as? [String] {
            chunks = list
        } else if let map = save["actions"] as? [String: String] {
            chunks = map.keys.compactMap(Int.init).sorted().compactMap { map[String($0)] }
        } else {
            throw ImportError.invalid("actions must be a list of text")
        }
        var adventure = Adventure(title: clean(title), scenario: "KoboldAI", opening: clean(prompt))
        if let memory = save["memory"] as? String, !clean(memory).isEmpty { adventure.memory = [clean(memory)] }
        if let note = save["authorsnote"] as? String { adventure.authorsNote = clean(note) }
        if let entries = save["worldinfo"] as? [Any] {
            for case let entry as [String: Any] in entries {
                let keys = splitKeys(entry["key"] as? String ?? "")
                let constant = entry["constant"] as? Bool ?? false
                let selective = entry["selective"] as? Bool ?? false
                let text = clean(entry["content"] as? String ?? "")
                guard !text.isEmpty, constant || !keys.isEmpty else { continue }
                adventure.worldInfo.append(WorldInfoEntry(
                    keys: keys, text: text, secondaryKeys: selective ? splitKeys(entry["keysecondary"] as? String ?? "") : [],
                    alwaysOn: constant))
            }
        }
        var turns: [LinearTurn] = []
        var pendingAction: String?
        var reply = ""
        func flush() {
            if pendingAction != nil || !reply.isEmpty {
                turns.append(turn(action: pendingAction ?? "", reply: reply))
            }
            pendingAction = nil
            reply = ""
        }
        for chunk in chunks.map(clean) where !chunk.isEmpty {
            if chunk.hasPrefix(">") {
                flush()
                pendingAction = chunk
            } else {
                reply += reply.isEmpty ? chunk : "\n" + chunk
            }
        }
        flush()
        adventure.tree = StoryTree(linear: turns)
        return adventure
    }

    private static func turn(action: String, reply: String) -> LinearTurn {
        let replies = reply.isEmpty ? [] : [Reply(text: reply, seed: 0, settings: GenerationSettings())]
        guard !action.isEmpty else { return LinearTurn(mode: .continue, input: "", action: "", replies: replies) }
        if action.hasPrefix(">") {
            let input = action.drop(while: { $0 == ">" || $0 == " " })
            return LinearTurn(mode: .do, input: String(input), action: ActionFormatter.marker + input, replies: replies)
        }
        return LinearTurn(mode: .story, input: action, action: action, replies: replies)
    }

    private static func splitKeys(_ text: String) -> [String] {
        text.split(separator: ",").map { clean(String($0)) }.filter { !$0.isEmpty }
    }

    private static func clean(_ text: String) -> String {
        TextSanitizer.clean(text).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
