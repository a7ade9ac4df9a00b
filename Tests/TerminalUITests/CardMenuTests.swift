import Story
import Testing
@testable import TerminalUI

/// Kept character cards in the new-adventure menu: a card with several greetings offers them,
/// the player's name is asked (unless `--player` gave it), and the runtime is asked to start it.
struct CardMenuTests {
    static let cards = [
        StoredCard(id: 7, card: CharacterCard(name: "Seraphina", description: "{{char}} guards the forest.\nMore.",
                                              greetings: ["*{{char}} kneels beside {{user}}.*", "The glade is quiet when {{user}} arrives."]),
                   format: "character card V2 (PNG)"),
        StoredCard(id: 9, card: CharacterCard(name: "Aldric", scenario: "A keep under siege.", greetings: ["Aldric nods."]),
                   format: "character card V1"),
    ]

    static func menu() -> AppState {
        var state = AppState(width: 80, height: 24, scenarios: sampleScenarios(), modelName: "gpt2")
        state.screen = .scenarios
        _ = reduce(&state, .cardsListed(cards))
        return state
    }

    @Test func cardsAreListedBesideTheScenarios() {
        let screen = framed(render(Self.menu()))
        #expect(screen.contains("Card: Seraphina — Seraphina guards the forest."))
        #expect(screen.contains("Card: Aldric — A keep under siege."))
        #expect(menuRows(Self.menu()).count == 2 + 2 + 2)
    }

    @Test func aCardWithSeveralGreetingsOffersThemThenAsksTheName() {
        var state = Self.menu()
        state.selection = 2
        #expect(reduce(&state, .key(.enter)).isEmpty)
        #expect(state.screen == .greetings(card: 0))
        let screen = framed(render(state))
        #expect(screen.contains("Seraphina: choose how it begins"))
        #expect(screen.contains("Seraphina kneels beside you."))
        #expect(screen.contains("The glade is quiet when you arrive."))

        _ = reduce(&state, .key(.down))
        #expect(reduce(&state, .key(.enter)).isEmpty)
        #expect(state.purpose == .playerName(card: 0, greeting: 1))
        #expect(framed(render(state)).contains("Your name"))
        for character in "Ash" { _ = reduce(&state, .key(.character(character))) }
        #expect(reduce(&state, .key(.enter)) == [.savePreferences, .startFromCard(id: 7, greeting: 1, player: "Ash")])
        #expect(state.preferences.playerName == "Ash")
    }

    @Test func theLastNameIsOfferedAndPlayerSkipsTheQuestion() {
        var state = Self.menu()
        state.preferences.playerName = "Ash"
        state.selection = 3  // Aldric: one greeting, straight to the name
        _ = reduce(&state, .key(.enter))
        #expect(state.purpose == .playerName(card: 1, greeting: 0))
        #expect(state.editor.string == "Ash")
        #expect(reduce(&state, .key(.enter)) == [.startFromCard(id: 9, greeting: 0, player: "Ash")])

        var given = Self.menu()
        given.playerName = "Rowan"
        given.selection = 3
        #expect(reduce(&given, .key(.enter)) == [.startFromCard(id: 9, greeting: 0, player: "Rowan")])
        #expect(given.preferences.playerName == "")  // --player is for this run, not remembered
    }

    @Test func escapeGoesBackFromTheGreetings() {
        var state = Self.menu()
        state.screen = .greetings(card: 0)
        _ = reduce(&state, .key(.escape))
        #expect(state.screen == .scenarios)
    }

    @Test func worldImportAsksTheRuntimeAndAddsWhatItRead() {
        var state = playingState()
        #expect(reduce(&state, .line("/world import ~/lore/Ashcombe world.json")) == [.importLore(path: "~/lore/Ashcombe world.json")])
        _ = reduce(&state, .line("/world import"))
        #expect(state.notice?.isError == true)
        let before = state.adventure!.worldInfo.count
        let entries = [WorldInfoEntry(keys: ["bell"], text: "It rings.", logic: .andAll, order: 20)]
        #expect(reduce(&state, .worldInfoImported(entries, report: "World info from SillyTavern World Info: 1 entry added"))
                == [.save, .measureContext])
        #expect(state.adventure!.worldInfo.count == before + 1)
        #expect(state.adventure!.worldInfo.last == entries[0])
        #expect(state.notice?.text == "World info from SillyTavern World Info: 1 entry added")
        // An entry with a key named "import" is still added the usual way.
        _ = reduce(&state, .line("/world import: Imports are taxed."))
        #expect(state.adventure!.worldInfo.last?.keys == ["import"])
    }

    /// The world-info list says how an imported entry matches, and editing one keeps it.
    @Test func theWorldInfoListSaysHowAnImportedEntryMatches() {
        let entry = WorldInfoEntry(keys: ["bell"], text: "It rings.", secondaryKeys: ["church", "midnight"], logic: .andAll,
                                   caseSensitive: true, wholeWords: false, order: 20, scanDepth: 3)
        #expect(worldInfoMatching(entry) == "bell + all of church, midnight · capitals matter · in words · order 20 · last 3 turns")
        var notAll = entry
        notAll.logic = .notAll
        #expect(worldInfoMatching(notAll).hasPrefix("bell unless all of church, midnight"))
        #expect(worldInfoMatching(WorldInfoEntry(keys: ["a"], text: "t")) == "a")

        var state = playingState()
        _ = reduce(&state, .worldInfoImported([entry], report: "added"))
        let number = state.adventure!.worldInfo.count
        startPrompt(&state, .editWorldInfo(number))
        state.editor.set("bell, chime: It rings twice.")
        _ = handlePromptKey(&state, .enter)
        let edited = state.adventure!.worldInfo[number - 1]
        #expect(edited.keys == ["bell", "chime"] && edited.text == "It rings twice.")
        #expect(edited.secondaryKeys == ["church", "midnight"] && edited.logic == .andAll && edited.caseSensitive
                && !edited.wholeWords && edited.order == 20 && edited.scanDepth == 3)
    }
}
