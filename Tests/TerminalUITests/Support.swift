import Foundation
import TestSupport
import Story
import Testing
@testable import TerminalUI

/// Compares a rendered screen with Tests/TerminalUITests/Snapshots/NAME.txt.
/// DUNGEON_UPDATE_SNAPSHOTS=1 rewrites the files; read the diff before committing.
func expectScreen(_ buffer: ScreenBuffer, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let text = framed(buffer)
    let url = repositoryRoot.appendingPathComponent("Tests/TerminalUITests/Snapshots/\(name).txt")
    if ProcessInfo.processInfo.environment["DUNGEON_UPDATE_SNAPSHOTS"] == "1" {
        try Data(text.utf8).write(to: url)
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    #expect(text == expected, "screen \(name) differs from its snapshot:\n\(text)", sourceLocation: sourceLocation)
}

/// The screen inside a frame, so trailing blanks and the size are visible in the file.
func framed(_ buffer: ScreenBuffer) -> String {
    let border = "+" + String(repeating: "-", count: buffer.width) + "+"
    let rows = (0..<buffer.height).map { y -> String in
        var line = ""
        for x in 0..<buffer.width where !buffer[x, y].isContinuation { line.append(buffer[x, y].character) }
        return "|" + line + "|"
    }
    return ([border] + rows + [border]).joined(separator: "\n") + "\n"
}

func sampleScenarios() -> [Scenario] {
    [Scenario(id: "fantasy", title: "The Kingdom", description: "Swords and sorcery.",
              characters: [.init(name: "knight", opening: "You are a knight.", memory: ["You are a knight."]),
                           .init(name: "wizard", opening: "You are a wizard.", memory: [])],
              worldInfo: [], authorsNote: ""),
     Scenario(id: "mystery", title: "Fog", description: "A locked room.",
              characters: [.init(name: "detective", opening: "You are a detective.", memory: [])],
              worldInfo: [], authorsNote: "")]
}

func sampleAdventure() -> Adventure {
    var adventure = Adventure(
        title: "The Glass Key", scenario: "fantasy",
        opening: "You crouch on a wet rooftop in Saltmarch. Below, a lantern moves behind the magistrate's window, and rain drums on the tiles around you.",
        memory: ["You owe the Gull Queen 300 gold."])
    adventure.tree = StoryTree(linear: [
        LinearTurn(mode: .do, input: "climb down", action: "> You climb down.", replies: [
            Reply(text: "The gutter groans under your weight. You drop into the alley without a sound.", seed: 1, settings: GenerationSettings())]),
        LinearTurn(mode: .say, input: "who is there", action: "> You say \"Who is there?\"", replies: [
            Reply(text: "A cat hisses. 日本語の猫 🐈 stares at you from a crate, its eyes like two green coins.", seed: 2, settings: GenerationSettings())]),
    ])
    return adventure
}

extension Adventure {
    /// Replaces the reply of turn `index` (from 0) of the story on screen, for building tests.
    mutating func setReply(_ text: String, at index: Int, seed: UInt64 = 1) {
        tree.update(turns[index].id) { $0.reply = Reply(text: text, seed: seed, settings: $0.reply?.settings ?? GenerationSettings()) }
    }

    /// Gives the current turn its reply, or (when it has one) adds the reply as a retry does.
    mutating func answer(_ reply: Reply) {
        let last = turns.last!
        if last.reply == nil {
            tree.update(last.id) { $0.reply = reply }
        } else {
            tree.add(after: last.parent, mode: last.mode, input: last.input, action: last.action, reply: reply)
        }
    }

    /// Adds a turn after the current one (with no reply: an action awaiting it).
    mutating func append(_ mode: ActionMode, _ input: String, _ action: String, reply: String? = nil) {
        tree.add(after: tree.head, mode: mode, input: input, action: action,
                 reply: reply.map { Reply(text: $0, seed: 1, settings: GenerationSettings()) })
    }
}

/// A state in play, with the sample adventure loaded through the reducer.
func playingState(width: Int = 80, height: Int = 24) -> AppState {
    var state = AppState(width: width, height: height, scenarios: sampleScenarios(), modelName: "gpt2")
    state.contextWindow = 1024
    _ = reduce(&state, .adventureOpened(id: 1, sampleAdventure()))
    return state
}

@discardableResult
func type(_ text: String, into state: inout AppState) -> [Effect] {
    var effects: [Effect] = []
    for c in text { effects += reduce(&state, .key(.character(c))) }
    return effects
}

/// Enter, with the runtime's answer to `.checkAction` (the action fits) fed back, as the
/// game does within one dispatch; returns the effects left for the runtime.
func pressEnter(_ state: inout AppState) -> [Effect] {
    var effects = reduce(&state, .key(.enter))
    if case .checkAction(let text, let mode)? = effects.first {
        effects = Array(effects.dropFirst()) + reduce(&state, .actionChecked(text, mode: mode, refusal: nil))
    }
    return effects
}

/// A generator that answers each call with the next of `replies` (the last one again when
/// they run out), counting tokens as words.
final class ScriptedGenerator: TextGenerator, @unchecked Sendable {
    // @unchecked: one test uses it from one thread.
    let replies: [String]
    private var calls = 0
    let contextLength = 1024
    let modelName = "scripted"

    init(replies: [String]) { self.replies = replies }

    func tokenCount(_ text: String) -> Int { text.split(separator: " ").count + 1 }

    func generate(prompt: String, settings: GenerationSettings, seed: UInt64, stopSequences: [String],
                  onText: (String) -> Bool) throws -> GeneratedText {
        let text = replies[min(calls, replies.count - 1)]
        calls += 1
        _ = onText(text)
        return GeneratedText(text: text, tokenCount: tokenCount(text), tokensPerSecond: 10)
    }
}
