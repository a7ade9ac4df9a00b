import Foundation
import TestSupport
@testable import Storage
import Story

/// A rich adventure touching every field the save file holds, including hostile text.
func sampleAdventure() -> Adventure {
    var adventure = Adventure(
        title: "The <Glass> Key & \"Other\" Tales",
        scenario: "fantasy",
        opening: "You crouch on a wet rooftop in Saltmarch.\n\nA lantern moves behind a window; the *magistrate* is home.",
        memory: ["You owe the Gull Queen 300 gold.", "Your dagger is named Whisper."],
        worldInfo: [WorldInfoEntry(keys: ["Gull Queen", "queen"], text: "She rules the thieves.", secondaryKeys: ["ship"], alwaysOn: false,
                                   antiKeys: ["dream"], comment: "From the first session"),
                    WorldInfoEntry(keys: ["Whisper"], text: "Whisper was forged in the north.", secondaryKeys: ["forge", "north"],
                                   logic: .notAll, caseSensitive: true, wholeWords: false, order: 120, scanDepth: 6),
                    WorldInfoEntry(keys: [], text: "It always rains in Saltmarch.", alwaysOn: true),
                    WorldInfoEntry(keys: ["magistrate"], text: "The magistrate is the Queen's brother.", disabled: true)],
        authorsNote: "Tense & quiet.",
        settings: GenerationSettings(temperature: 0.9, topK: 50, topP: 0.95, repetitionPenalty: 1.2, replyLength: 70),
        detectsEndings: true)
    let turns = [
        LinearTurn(mode: .do, input: "climb down", action: "> You climb down.", replies: [
            Reply(text: "The gutter groans under your weight. You drop into the alley.", seed: 1, settings: adventure.settings),
            Reply(text: "You slip and land hard. <script>alert('x')</script> Nobody hears.", seed: UInt64.max, settings: GenerationSettings()),
        ], chosen: 1),
        LinearTurn(mode: .say, input: "who's there?", action: "> You say \"Who's there?\"", replies: [
            Reply(text: "\"Only a cat,\" says a voice. # Not a heading, *not bold*, [not a link](x).", seed: 42, settings: adventure.settings),
        ]),
        LinearTurn(mode: .story, input: "the cat hisses", action: "The cat hisses.", replies: [
            Reply(text: "1. Not a list. 日本語 and 🐉 and café.", seed: 7, settings: adventure.settings),
        ]),
        LinearTurn(mode: .continue, input: "", action: "", replies: [
            Reply(text: "Rain drums on the roofs. A long sentence follows to test wrapping at eighty columns, which must break on word boundaries cleanly.", seed: 9, settings: adventure.settings),
        ]),
    ]
    let undone = [LinearTurn(mode: .do, input: "run", action: "> You run.", replies: [
        Reply(text: "You run into the night.", seed: 3, settings: adventure.settings)])]
    adventure.tree = StoryTree(linear: turns, undone: undone)
    adventure.ending = nil
    return adventure
}

/// A fixed instant for exports: 22 November 2026, 12:00 UTC.
let fixedDate = Date(timeIntervalSince1970: 1_795_348_800)

extension Adventure {
    /// Replaces the reply of the story's last turn, for building tests.
    mutating func setReplyOfLastTurn(_ text: String, seed: UInt64) {
        tree.update(turns[turns.count - 1].id) { $0.reply = Reply(text: text, seed: seed, settings: GenerationSettings()) }
    }
}
