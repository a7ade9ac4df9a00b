import Foundation
import Testing
import Story
@testable import TerminalUI

/// The tree overlay: browsing changes nothing until Enter; b copies, d deletes after asking;
/// it reads at 80x24 and works at 40x12.
@Suite struct TreeOverlayTests {
    /// The sample story (2 turns) where turn 1 was retried once and, on the first reply's
    /// branch, turn 2 was undone and another action tried: two forks.
    static func branchedAdventure() -> Adventure {
        var adventure = sampleAdventure()
        let first = adventure.turns[0]
        let second = adventure.turns[1]
        adventure.tree.moveHead(to: first.id)
        adventure.append(.do, "wait", "> You wait.", reply: "Footsteps pass above you and fade.")
        adventure.tree.select(second.id)
        adventure.tree.add(after: StoryTree.opening, mode: first.mode, input: first.input, action: first.action,
                           reply: Reply(text: "You slip on the wet tiles and land hard in the alley.", seed: 7, settings: GenerationSettings()))
        adventure.tree.select(second.id)
        return adventure
    }

    func treeState(width: Int = 80, height: Int = 24) -> AppState {
        var state = AppState(width: width, height: height, scenarios: sampleScenarios(), modelName: "gpt2")
        state.contextWindow = 1024
        _ = reduce(&state, .adventureOpened(id: 1, Self.branchedAdventure()))
        _ = reduce(&state, .key(.function(2)))
        return state
    }

    @Test func readsAt80x24AndWorksAt40x12() throws {
        var state = treeState()
        #expect(state.overlay == .tree)
        try expectScreen(render(state), "tree-80x24")
        #expect(render(state).lines.contains { $0.contains("Story tree · 4 turns · 2 forks") })
        state = treeState(width: 40, height: 12)
        _ = reduce(&state, .key(.up))
        try expectScreen(render(state), "tree-40x12")
    }

    @Test func theStatusBarShowsTheTurnsVersionAndTheForks() {
        var state = treeState()
        _ = reduce(&state, .key(.escape))
        #expect(state.overlay == nil)
        let status = render(state).lines[23]
        #expect(status.contains("version 1/2"), "\(status)")  // "wait" was tried in place of the second turn
        #expect(status.contains("2 forks"), "\(status)")
    }

    @Test func browsingChangesNothingUntilEnter() {
        var state = treeState()
        let before = state.adventure!
        _ = reduce(&state, .key(.up))     // to turn 1
        _ = reduce(&state, .key(.right))  // its retried reply, a branch of one turn
        #expect(state.adventure == before)
        #expect(render(state).lines.contains { $0.contains("[2/2] > You climb down. — You slip on the wet tiles") })
        #expect(reduce(&state, .key(.enter)) == [.save, .measureContext])
        #expect(state.overlay == nil)
        #expect(state.adventure?.turns.map(\.replyText) == ["You slip on the wet tiles and land hard in the alley."])
        // And back: Left from the retried reply shows the first branch down to where the player was.
        _ = reduce(&state, .key(.function(2)))
        _ = reduce(&state, .key(.left))
        _ = reduce(&state, .key(.enter))
        #expect(state.adventure?.turns.map(\.input) == ["climb down", "who is there"])
    }

    @Test func bCopiesTheStoryUpToTheSelectedTurnIntoANewAdventure() throws {
        var state = treeState()
        _ = reduce(&state, .key(.up))
        let effects = reduce(&state, .key(.character("b")))
        #expect(effects.first == .save)
        guard case .createBranch(let copy)? = effects.last else {
            Issue.record("no new adventure: \(effects)")
            return
        }
        #expect(copy.title == "The Glass Key (branch)")
        #expect(copy.turns.map(\.input) == ["climb down"])
        #expect(copy.tree.turns.count == 1)
        #expect(copy.memory == state.adventure?.memory)
        #expect(state.overlay == nil)
    }

    @Test func dDeletesAnotherBranchAfterAskingButNeverTheStory() {
        var state = treeState()
        _ = reduce(&state, .key(.character("d")))  // the current turn: part of the story
        #expect(state.overlay == .tree)
        #expect(state.notice?.text.contains("part of the story on screen") == true)
        _ = reduce(&state, .key(.left))  // "wait", the other version of turn 2
        _ = reduce(&state, .key(.character("d")))
        guard case .confirmDeleteBranch(_, let count)? = state.overlay else {
            Issue.record("no question: \(String(describing: state.overlay))")
            return
        }
        #expect(count == 1)
        #expect(render(state).lines.contains { $0.contains("Delete this branch (1 turn) for good?") })
        _ = reduce(&state, .key(.character("n")))  // kept
        #expect(state.overlay == .tree && state.adventure?.tree.turns.count == 4)
        _ = reduce(&state, .key(.character("d")))
        #expect(reduce(&state, .key(.character("y"))) == [.save])
        #expect(state.adventure?.tree.turns.count == 3)
        #expect(state.adventure?.turns.map(\.input) == ["climb down", "who is there"])
        #expect(state.overlay == .tree)
    }

    /// A reply stopped while the tree is open takes its action back: the tree then shows
    /// the story on screen instead of a turn that is gone.
    @Test func aTurnTakenBackWhileTheTreeIsOpenIsNotShown() {
        var state = treeState()
        _ = reduce(&state, .key(.escape))
        _ = type("listen", into: &state)
        _ = pressEnter(&state)
        #expect(state.isGenerating)
        _ = reduce(&state, .key(.function(2)))
        #expect(render(state).lines.contains { $0.contains("> You listen. — (no reply yet)") })
        let teller = state.teller!
        _ = reduce(&state, .replyFinished(teller, ReplyOutcome(reply: nil, attempts: 1, repetitive: false, cancelled: true,
                                                                 tokensPerSecond: 0, ending: nil)))
        #expect(!render(state).lines.contains { $0.contains("> You listen.") })
        #expect(render(state).lines.contains { $0.contains("2 • [1/2] > You say \"Who is there?\"") })
        _ = reduce(&state, .key(.up))
        #expect(state.treeView == TreeView(leaf: state.adventure!.tree.head, cursor: state.adventure!.turns[0].id))
    }

    /// Plain mode prints the tree instead of browsing it: each fork lists its versions and
    /// the command that switches to them.
    @Test func plainModeListsTheVersionsAtEachFork() {
        var state = treeState()
        state.plainMode = true
        let lines = overlayContent(state, .tree, width: 78).lines.map(\.text)
        #expect(lines.contains("Turn 1 has 2 versions (/alt 1 to switch):"))
        #expect(lines.contains { $0.hasPrefix("  2. > You climb down. — You slip on the wet tiles") })
        #expect(lines.contains("Turn 2 has 2 versions (/alt 2 to switch):"))
        #expect(lines.contains { $0.hasPrefix("  1. > You say \"Who is there?\"") && $0.hasSuffix("(this one)") })
    }

    /// Plain mode has no overlay to browse: /alt N switches any turn's version by number.
    @Test func altWithATurnNumberSwitchesThatTurn() {
        var state = treeState()
        _ = reduce(&state, .key(.escape))
        state.plainMode = true
        #expect(submit(&state, "/alt 1") == [.save, .measureContext])
        #expect(state.adventure?.turns.map(\.replyText) == ["You slip on the wet tiles and land hard in the alley."])
        #expect(state.notice?.text == "Turn 1: version 2 of 2")
        _ = submit(&state, "/alt 1 -")
        #expect(state.adventure?.turns.map(\.input) == ["climb down", "who is there"])
        _ = submit(&state, "/alt -")
        #expect(state.adventure?.turns.map(\.input) == ["climb down", "wait"])
        _ = submit(&state, "/alt one")
        #expect(state.notice?.text.hasPrefix("usage: /alt [N] [-]") == true)
        _ = submit(&state, "/alt 9")
        #expect(state.notice?.text == "there is no turn 9")
    }

    @Test func aLongStoryScrollsToTheSelection() throws {
        var state = AppState(width: 40, height: 12, scenarios: sampleScenarios(), modelName: "gpt2")
        var adventure = sampleAdventure()
        for n in 3...60 { adventure.append(.do, "step \(n)", "> You step \(n).", reply: "Step \(n) echoes.") }
        _ = reduce(&state, .adventureOpened(id: 1, adventure))
        _ = reduce(&state, .key(.function(2)))
        #expect(render(state).lines.contains { $0.contains("60 • > You step 60.") })
        _ = reduce(&state, .key(.home))
        #expect(render(state).lines.contains { $0.contains("0  • You crouch") })
        #expect(!render(state).lines.contains { $0.contains("step 60") })
    }
}
