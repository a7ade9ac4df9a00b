import Foundation
import Testing
@testable import Story

/// The story tree's rules, checked after every step of random play: nothing the player saw
/// is lost unless a branch was deleted, the story on screen is always a path from the
/// opening, and the change log is enough to rebuild the tree (what an incremental save needs).
@Suite struct StoryTreeTests {
    enum Step: CaseIterable {
        case act, reply, retry, stop, undo, redo, alt, switchEarlier, editReply, editAction, delete, select
    }

    /// One run of random play: returns a description of the first broken rule, or nil.
    func play(seed: UInt64, steps: Int) throws -> String? {
        var teller = StoryTeller(adventure: Adventure(title: "T", opening: "You stand at a crossroads."))
        let generator = FakeGenerator(contextLength: 100_000) { _, n in "Reply \(n) comes." }
        var random = CountingRandom()
        var dice = SeededDice(seed: seed)
        /// Every turn the player saw with a reply, as last seen; deleted ones leave.
        var seen: [Int: Turn] = [:]
        /// What an incremental save would hold: the turns written from the change log.
        var saved: [Int: Turn] = [:]
        var savedPointers: [Int: Int] = [:]
        var logged = 0

        for step in 0..<steps {
            let tree = teller.adventure.tree
            let ids = tree.turns.keys.sorted()
            switch Step.allCases[dice.roll(Step.allCases.count)] {
            case .act:
                if teller.awaitingReply { continue }
                try teller.act("try \(step)", mode: dice.roll(2) == 0 ? .do : .say)
            case .reply, .retry:
                if !teller.adventure.turns.isEmpty { _ = try teller.writeReply(with: generator, random: &random) }
            case .stop:
                _ = teller.takeBackUnansweredAction()
            case .undo:
                if teller.awaitingReply { _ = teller.takeBackUnansweredAction() }
                try? teller.undo()
            case .redo:
                if !teller.awaitingReply { try? teller.redo() }
            case .alt:
                if !teller.awaitingReply { try? teller.switchBranch(by: dice.roll(2) == 0 ? 1 : -1) }
            case .switchEarlier:
                let count = teller.adventure.turns.count
                if count > 0, !teller.awaitingReply { try? teller.switchBranch(atTurn: 1 + dice.roll(count), by: 1) }
            case .editReply, .editAction:
                let count = teller.adventure.turns.count
                guard count > 0, !teller.awaitingReply else { continue }
                let number = 1 + dice.roll(count)
                let before = teller.adventure.turns[number - 1]
                let branched = dice.roll(2) == 0
                    ? try teller.edit(turn: number, reply: "Edited reply \(step).")
                    : try teller.edit(turn: number, action: "> You edit \(step).")
                if !branched { seen[before.id] = teller.adventure.tree.turns[before.id] }
                if branched && teller.adventure.tree.turns[before.id] != before { return "step \(step): a branched edit changed turn \(before.id)" }
            case .delete:
                guard let id = ids.isEmpty ? nil : ids[dice.roll(ids.count)] else { continue }
                let onPath = tree.isOnPath(id)
                do {
                    try teller.deleteBranch(id)
                    if onPath { return "step \(step): turn \(id) on the story was deleted" }
                    // The branch and everything after it leave what must be kept.
                    var gone = [id]
                    var index = 0
                    while index < gone.count {
                        gone += tree.children(of: gone[index])
                        index += 1
                    }
                    for turn in gone { seen[turn] = nil }
                } catch {
                    if !onPath { return "step \(step): deleting turn \(id), off the story, failed: \(error)" }
                }
            case .select:
                if let id = ids.isEmpty ? nil : ids[dice.roll(ids.count)], !teller.awaitingReply { teller.select(id) }
            }
            let now = teller.adventure.tree
            for turn in now.path where turn.reply != nil { seen[turn.id] = turn }

            // Nothing seen is lost or changed behind the player's back.
            for (id, turn) in seen where now.turns[id] != turn {
                return "step \(step): turn \(id) was lost or changed"
            }
            // The story on screen is the chain from the opening to the current turn.
            var parent = StoryTree.opening
            for turn in now.path {
                if turn.parent != parent { return "step \(step): the path breaks at turn \(turn.id)" }
                if now.lastVisited[parent] != turn.id { return "step \(step): turn \(turn.id) is not its parent's last visited" }
                parent = turn.id
            }
            if parent != now.head { return "step \(step): the path does not end at the current turn" }
            if let orphan = now.turns.values.first(where: { $0.parent != StoryTree.opening && now.turns[$0.parent] == nil }) {
                return "step \(step): turn \(orphan.id) has no parent"
            }
            if let pending = now.turns.values.first(where: { $0.reply == nil && $0.id != now.head }) {
                return "step \(step): turn \(pending.id) has no reply and is not the current turn"
            }
            // Replaying the change log onto the last "save" gives the same tree.
            for id in now.changes[logged...] {
                saved[id] = now.turns[id]
                savedPointers[id] = now.lastVisited[id]
            }
            logged = now.changes.count
            savedPointers[StoryTree.opening] = now.lastVisited[StoryTree.opening]
            let rebuilt = try StoryTree(turns: Array(saved.values), lastVisited: savedPointers.compactMapValues { $0 }, head: now.head)
            if rebuilt != now { return "step \(step): the change log misses a change" }
        }
        return nil
    }

    @Test(arguments: 0..<40)
    func randomPlayKeepsTheTree(seed: UInt64) throws {
        #expect(try play(seed: seed, steps: 150) == nil)
    }

    /// The other branches of any tree list every turn off the story exactly once, each as a
    /// chain that starts after a turn already listed.
    @Test(arguments: 0..<10)
    func otherBranchesCoverTheTreeOnce(seed: UInt64) throws {
        var tree = StoryTree()
        var dice = SeededDice(seed: seed)
        for n in 0..<60 {
            let ids = [StoryTree.opening] + tree.turns.keys.sorted()
            tree.add(after: ids[dice.roll(ids.count)], mode: .do, input: "\(n)", action: "> You \(n).")
        }
        tree.select(tree.turns.keys.sorted()[dice.roll(tree.turns.count)])
        var listed = Set(tree.path.map(\.id) + [StoryTree.opening])
        var count = tree.path.count
        for branch in tree.otherBranches() {
            #expect(listed.contains(branch.after))
            #expect(branch.afterNumber == tree.path(to: branch.after).count)
            var parent = branch.after
            for turn in branch.turns {
                #expect(turn.parent == parent && !listed.contains(turn.id))
                listed.insert(turn.id)
                parent = turn.id
            }
            #expect(tree.children(of: parent).isEmpty)  // down to a leaf
            count += branch.turns.count
        }
        #expect(count == tree.turns.count)
    }

    @Test func retryMakesASiblingAndAltComesBack() throws {
        var teller = StoryTeller(adventure: Adventure(title: "T", opening: "A door."))
        let generator = FakeGenerator()
        var random = CountingRandom()
        try teller.act("knock", mode: .do)
        _ = try teller.writeReply(with: generator, random: &random)
        _ = try teller.writeReply(with: generator, random: &random)
        let tree = teller.adventure.tree
        #expect(tree.children(of: StoryTree.opening).count == 2)
        #expect(tree.turns.values.allSatisfy { $0.action == "> You knock." })
        #expect(teller.adventure.turns.map(\.replyText) == ["Reply number 2 happens here."])
        #expect(teller.position()! == (1, 2))
        try teller.switchBranch(by: 1)
        #expect(teller.adventure.turns.map(\.replyText) == ["Reply number 1 happens here."])
    }

    @Test func actionAfterUndoKeepsTheUndoneTurnsAsABranch() throws {
        var story = try PlayedStory(["go left", "open the chest", "take the gold"])
        try story.teller.undo()
        try story.teller.undo()
        try story.play("go back")
        #expect(story.teller.adventure.turns.map(\.input) == ["go left", "go back"])
        // The undone branch comes back whole, down to where the player was.
        try story.teller.switchBranch(by: -1)
        #expect(story.teller.adventure.turns.map(\.input) == ["go left", "open the chest", "take the gold"])
        try story.teller.switchBranch(atTurn: 2, by: 1)
        #expect(story.teller.adventure.turns.map(\.input) == ["go left", "go back"])
    }

    @Test func editingATurnWithTurnsAfterItBranches() throws {
        var teller = try PlayedStory(["look", "listen"]).teller
        #expect(try teller.edit(turn: 2, reply: "Silence.") == false)  // the last turn: in place
        #expect(teller.adventure.tree.turns.count == 2)
        #expect(try teller.edit(turn: 1, reply: "Darkness.") == true)
        #expect(teller.adventure.turns.map(\.replyText) == ["Darkness."])
        try teller.switchBranch(atTurn: 1, by: -1)
        #expect(teller.adventure.turns.map(\.replyText) == ["Reply number 1 happens here.", "Silence."])
    }

    @Test func linearStoriesBecomeTreesWithNothingLost() throws {
        let settings = GenerationSettings()
        func reply(_ text: String) -> Reply { Reply(text: text, seed: 7, settings: settings) }
        let turns = [
            LinearTurn(mode: .do, input: "a", action: "> You a.", replies: [reply("A1"), reply("A2"), reply("A3")], chosen: 1),
            LinearTurn(mode: .say, input: "b", action: "> You say \"B.\"", replies: [reply("B1")]),
        ]
        let undone = [LinearTurn(mode: .do, input: "d", action: "> You d.", replies: [reply("D1")]),
                      LinearTurn(mode: .do, input: "c", action: "> You c.", replies: [reply("C1"), reply("C2")], chosen: 0)]
        var tree = StoryTree(linear: turns, undone: undone)
        #expect(tree.turns.count == 7)
        #expect(tree.path.map(\.replyText) == ["A2", "B1"])
        #expect(tree.children(of: StoryTree.opening).count == 3)
        #expect(tree.redoCount == 2)
        // Redo brings back the most recently undone turn first, as before the tree.
        tree.moveHead(to: tree.lastVisitedLeaf(from: tree.head))
        #expect(tree.path.map(\.replyText) == ["A2", "B1", "C1", "D1"])
    }

    @Test(arguments: [
        ([Turn(id: 1, parent: 5, mode: .do, input: "", action: "")], 1, "follows turn 5"),
        ([Turn(id: 1, parent: 2, mode: .do, input: "", action: ""), Turn(id: 2, parent: 1, mode: .do, input: "", action: "")], 1, "loop"),
        ([Turn(id: 1, parent: 0, mode: .do, input: "", action: "")], 9, "current turn 9"),
        ([Turn(id: 1, parent: 0, mode: .do, input: "", action: ""), Turn(id: 1, parent: 0, mode: .do, input: "", action: "")], 1, "two turns"),
    ])
    func brokenStoredTreesAreRefused(turns: [Turn], head: Int, message: String) {
        #expect { try StoryTree(turns: turns, lastVisited: [:], head: head) } throws: {
            "\($0)".contains(message)
        }
    }

    /// Checking an action's prompt before acting (the game refuses one that can never fit)
    /// gives the prompt acting leads to, and leaves the adventure as it was.
    @Test func anActionsPromptBeforeActingIsThePromptAfter() throws {
        var teller = try PlayedStory(["look"], adventure: Adventure(title: "T", opening: "A hall.", memory: ["You are a thief."])).teller
        let before = teller.adventure
        let checked = try teller.prompt(forAction: "open the door", mode: .say, counter: RealCounter(), window: 1024)
        #expect(teller.adventure == before && teller.adventure.tree.changes == before.tree.changes)
        try teller.act("open the door", mode: .say)
        #expect(checked == (try teller.nextPrompt(counter: RealCounter(), window: 1024)))
    }

    @Test func aBranchCopiesThePathOnly() throws {
        var story = try PlayedStory(["look", "listen", "leave"])
        _ = try story.reply()  // a sibling of "leave"
        let adventure = story.teller.adventure
        let copy = adventure.branch(upTo: adventure.turns[1].id, title: "Copy")
        #expect(copy.title == "Copy")
        #expect(copy.turns.map(\.input) == ["look", "listen"])
        #expect(copy.tree.turns.count == 2)
        #expect(copy.memory == adventure.memory)
    }

    /// A copy up to the turn where the hero died has ended; a copy up to an earlier turn has not.
    @Test func aBranchEndsWhereItsLastReplyEnds() throws {
        var teller = StoryTeller(adventure: Adventure(title: "T", opening: "A hall.", detectsEndings: true))
        var random = CountingRandom()
        for (action, reply) in [("look", "You see a pit below."), ("jump in", "You fall a long way. You die.")] {
            try teller.act(action, mode: .do)
            let result = try teller.writeReply(with: FakeGenerator { _, _ in reply }, random: &random)
            #expect(result.ending == (reply.contains("die") ? .gameOver : nil))
        }
        let turns = teller.adventure.turns.map(\.id)
        #expect(teller.adventure.branch(upTo: turns[1], title: "Dead").ending == .gameOver)
        #expect(teller.adventure.branch(upTo: turns[0], title: "Alive").ending == nil)
    }
}

/// A story teller that has played some Do actions, each answered by a fake generator's
/// numbered reply.
struct PlayedStory {
    var teller: StoryTeller
    let generator = FakeGenerator()
    var random = CountingRandom()

    init(_ actions: [String], adventure: Adventure = Adventure(title: "T", opening: "A hall.")) throws {
        teller = StoryTeller(adventure: adventure)
        for action in actions { try play(action) }
    }

    mutating func play(_ action: String) throws {
        try teller.act(action, mode: .do)
        _ = try reply()
    }

    /// A reply to the last action (another version of it, if it has one).
    mutating func reply() throws -> ReplyOutcome {
        try teller.writeReply(with: generator, random: &random)
    }
}

/// A small seeded generator for choosing steps (SplitMix64).
struct SeededDice {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }
    mutating func roll(_ sides: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(sides))
    }
}
