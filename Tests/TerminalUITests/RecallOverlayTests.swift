import Foundation
import Testing
import Story
@testable import TerminalUI

/// `/recall` and `/recall TEXT`: the words and passages recall uses, a search's results, and
/// Enter showing the turn (on another branch, after asking).
@Suite struct RecallOverlayTests {
    /// Thirty turns; turn 2 names Håkon; turn 1 was retried, and the other reply names her too.
    static func longAdventure() -> Adventure {
        var adventure = Adventure(title: "Long", opening: "You arrive at the inn.")
        for number in 1...30 {
            let reply = number == 2 ? "The innkeeper says her name is Håkon." : "The corridor goes on; turn \(number) passes."
            adventure.append(.do, "walk", "> You walk.", reply: reply)
        }
        return adventure
    }

    func state(height: Int = 24) -> AppState {
        var state = AppState(width: 80, height: height, scenarios: sampleScenarios(), modelName: "gpt2")
        state.contextWindow = 1024
        _ = reduce(&state, .adventureOpened(id: 1, Self.longAdventure()))
        return state
    }

    func run(_ command: String, _ state: inout AppState) -> [Effect] {
        type(command, into: &state)
        return reduce(&state, .key(.enter))
    }

    @Test func recallAloneShowsTheWordsAndPassagesOfTheNextPrompt() throws {
        var state = state()
        var adventure = state.adventure!
        adventure.append(.do, "rest", "> You rest.", reply: "You think of Håkon again.")
        _ = reduce(&state, .adventureOpened(id: 1, adventure))
        #expect(run("/recall", &state) == [.measureContext])
        #expect(state.overlay == .recall)
        let prompt = try StoryTeller(adventure: adventure).nextPrompt(counter: WordCounter(), window: 200,
                                                                      recall: ScanIndex(adventure: adventure))
        _ = reduce(&state, .contextMeasured(prompt, error: nil))
        let screen = render(state).lines.joined(separator: "\n")
        #expect(screen.contains("Recall"))
        #expect(screen.contains("Searched for: håkon"), "\(screen)")
        #expect(screen.contains("── Turn 2 · matched Håkon"), "\(screen)")
        #expect(screen.contains("> You walk. The innkeeper says her name is Håkon."), "\(screen)")
        #expect(screen.contains("tokens kept for recall"), "\(screen)")
    }

    @Test func aSearchListsTurnsAndEnterScrollsTheStoryToOne() throws {
        var state = state()
        #expect(run("/recall where did I meet Håkon", &state) == [.searchStory("where did I meet Håkon", allBranches: false)])
        let adventure = state.adventure!
        let result = try StorySearcher.search("where did I meet Håkon", allBranches: false, in: adventure,
                                              index: ScanIndex(adventure: adventure))
        _ = reduce(&state, .storySearched(StorySearch(query: "where did I meet Håkon", allBranches: false, hits: result.hits)))
        #expect(state.overlay == .recall)
        let screen = render(state).lines.joined(separator: "\n")
        #expect(screen.contains("Turn 2: > You walk. The innkeeper says her name is Håkon."), "\(screen)")
        _ = reduce(&state, .key(.enter))
        #expect(state.overlay == nil && state.scroll > 0)
        // The turn's first line is the top of the story pane.
        let story = render(state).lines
        #expect(story[0].contains("> You walk.") && story[2].contains("Håkon"), "\(story.prefix(4))")
    }

    @Test func aResultOnAnotherBranchAsksBeforeSwitching() throws {
        var state = state()
        var adventure = state.adventure!
        let first = adventure.turns[0]
        adventure.tree.add(after: StoryTree.opening, mode: .do, input: "walk", action: "> You walk.",
                           reply: Reply(text: "Håkon herself opens the door.", seed: 1, settings: GenerationSettings()))
        let other = adventure.tree.head
        adventure.tree.select(adventure.tree.lastVisitedLeaf(from: first.id))
        _ = reduce(&state, .adventureOpened(id: 1, adventure))
        let result = try StorySearcher.search("Håkon", allBranches: true, in: adventure, index: ScanIndex(adventure: adventure))
        #expect(result.hits.contains { $0.turn == other && $0.number == nil })
        _ = reduce(&state, .storySearched(StorySearch(query: "Håkon", allBranches: true, hits: result.hits)))
        let row = try #require(result.hits.firstIndex { $0.turn == other })
        state.selection = row
        #expect(render(state).lines.contains { $0.contains("Other branch: > You walk. Håkon herself opens the door.") })
        _ = reduce(&state, .key(.enter))
        #expect(state.overlay == .confirmSwitchBranch(turn: other))
        _ = reduce(&state, .key(.character("n")))
        #expect(state.overlay == .recall && state.adventure!.turns.count == 30)
        _ = reduce(&state, .key(.enter))
        let effects = reduce(&state, .key(.character("y")))
        #expect(effects == [.save, .measureContext])
        #expect(state.overlay == nil && state.adventure!.turns.map(\.id) == [other])
    }

    @Test func recallOffSaysHowToTurnItOn() {
        var state = state()
        _ = run("/set recall 0", &state)
        #expect(state.adventure!.settings.recallAllowance == 0)
        _ = run("/recall", &state)
        #expect(render(state).lines.joined().contains("Recall is off for this adventure; /set recall 96 turns it on."))
    }
}

/// Counts words, as a rough tokenizer for layout tests.
struct WordCounter: TokenCounter {
    func tokenCount(_ text: String) -> Int { text.split(whereSeparator: \.isWhitespace).count + 1 }
}

/// A backend that cannot count tokens: the context inspector says its counts are estimates.
@Suite struct EstimatedCountsTests {
    @Test func theContextInspectorSaysCountsAreEstimates() throws {
        var state = RecallOverlayTests().state()
        let prompt = try StoryTeller(adventure: state.adventure!).nextPrompt(counter: WordCounter(), window: 200)
        type("/context", into: &state)
        _ = reduce(&state, .key(.enter))
        _ = reduce(&state, .contextMeasured(prompt, error: nil))
        #expect(!render(state).lines.joined().contains("estimates"))
        state.tokenCountNote = "Token counts are estimates, one per three bytes of text."
        let screen = render(state).lines.joined(separator: "\n")
        #expect(screen.contains("Token counts are estimates"), "\(screen)")
    }
}
