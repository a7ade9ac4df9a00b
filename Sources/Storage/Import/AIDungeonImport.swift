import Foundation
import Story

/// AI Dungeon 2 and its Clover Edition fork: a list of the player's actions and a parallel
/// list of the model's results, with a context the game kept at the top of every prompt.
enum AIDungeonImport {
    /// AI Dungeon 2 (latitudegames/AIDungeon, `story/story_manager.py`, `Story.to_json`):
    /// `context` (the character), `story_start` (context + prompt + the first result), and
    /// `actions[i]` answered by `results[i]`. Actions are "\n> You open the door.\n",
    /// `You say "…"` for speech, or "" to continue.
    static func aiDungeon2(_ json: JSONObject, fileName: String) throws -> ImportResult {
        let start = try json.string("story_start")
        let context = try json.string("context", default: "")
        let actions = try json.strings("actions")
        let results = try json.strings("results")
        // story_start begins with the context, which AI Dungeon 2 kept in every prompt:
        // here it is pinned memory, and the story opens after it.
        let opening = context.isEmpty || !start.hasPrefix(context) ? start : String(start.dropFirst(context.count))
        var adventure = Adventure(title: AdventureImporter.title(fromStory: opening), scenario: "AI Dungeon 2",
                                  opening: AdventureImporter.clean(opening))
        if !AdventureImporter.clean(context).isEmpty { adventure.memory = [AdventureImporter.clean(context)] }
        var turns: [LinearTurn] = []
        for index in 0..<max(actions.count, results.count) {
            let action = index < actions.count ? actions[index] : ""
            let result = index < results.count ? results[index] : ""
            turns.append(AdventureImporter.turn(action: action, replies: result.isEmpty ? [] : [result]))
        }
        adventure.tree = StoryTree(linear: turns.filter { !($0.action.isEmpty && $0.replies.isEmpty) })
        var dropped: [String] = []
        if !(try json.strings("choices")).isEmpty || json.has("possible_action_results") {
            dropped.append("choices of the constrained game (not supported)")
        }
        if let rating = json.number("rating"), rating >= 0 { dropped.append("the rating (not supported)") }
        return ImportResult(adventure: adventure, format: "AI Dungeon 2", dropped: dropped)
    }

    /// Clover Edition (cloveranon/Clover-Edition, `storymanager.py`, `Story.to_dict`): the
    /// sampler settings, `context` (or `prompt` in its first format) and `memory`, both kept
    /// in every prompt, and `actions[i]` answered by `results[i]`, where the first action is
    /// the story's prompt. Actions are "You open the door.", `You say "…"`, narration, or "".
    static func clover(_ json: JSONObject, fileName: String) throws -> ImportResult {
        let context = try json.string(json.has("context") ? "context" : "prompt")
        let memory = try json.strings("memory")
        let actions = try json.strings("actions")
        let results = try json.strings("results")
        var dropped: [String] = []
        let cloverSettings = AdventureImporter.settings(
            temperature: json.number("temp"), topK: json.number("top-keks"), topP: json.number("top-p"),
            repetitionPenalty: json.number("rep-pen"), replyLength: nil, dropped: &dropped)
        var settings = cloverSettings
        if let range = json.number("rep-pen-range"), (0...4096).contains(range) { settings.repetitionRange = range.saturatingInt }
        // Clover's slope is KoboldAI's sigmoid over the range, not KoboldCpp's two halves.
        if json.has("rep-pen-slope") { dropped.append("repetition penalty slope (Clover's curve is not dungeon's)") }

        // The first action is the prompt and the first result its continuation: the opening.
        let prompt = AdventureImporter.clean(actions.first ?? "")
        let first = AdventureImporter.clean(results.first ?? "")
        let continues = first.first.map { $0.isLowercase || ",.;:!?\"'".contains($0) } ?? false
        let opening = [prompt, first].filter { !$0.isEmpty }.joined(separator: continues ? " " : "\n\n")
        let title = fileName.isEmpty ? AdventureImporter.title(fromStory: opening.isEmpty ? context : opening) : fileName
        var adventure = Adventure(title: AdventureImporter.clean(title), scenario: "Clover Edition",
                                  opening: opening.isEmpty ? AdventureImporter.clean(context) : opening,
                                  memory: ([context] + memory).map(AdventureImporter.clean).filter { !$0.isEmpty },
                                  settings: settings)
        var turns: [LinearTurn] = []
        for index in 1..<max(1, max(actions.count, results.count)) {
            let action = index < actions.count ? actions[index] : ""
            let result = index < results.count ? results[index] : ""
            if action.isEmpty && result.isEmpty { continue }
            turns.append(AdventureImporter.turn(action: action, replies: result.isEmpty ? [] : [result]))
        }
        adventure.tree = StoryTree(linear: turns)
        return ImportResult(adventure: adventure, format: json.has("context") ? "Clover Edition" : "Clover Edition (first format)",
                            dropped: dropped)
    }
}
