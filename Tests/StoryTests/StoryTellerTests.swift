import Foundation
import Testing
@testable import Story

@Suite struct StoryTellerTests {
    func newTeller() -> StoryTeller {
        StoryTeller(adventure: Adventure(title: "T", opening: "You wake in a cell."))
    }

    @Test func actThenReply() throws {
        var teller = newTeller()
        let generator = FakeGenerator()
        var random = CountingRandom()
        try teller.act("open the door", mode: .do)
        #expect(teller.awaitingReply)
        let outcome = try teller.writeReply(with: generator, random: &random)
        #expect(outcome.reply?.text == "Reply number 1 happens here.")
        #expect(outcome.reply?.seed == 1)
        #expect(teller.adventure.turns.map(\.action) == ["> You open the door."])
        #expect(generator.calls.first?.prompt == "You wake in a cell.\n> You open the door.\n")
        #expect(!teller.awaitingReply)
    }

    @Test func undoRedoRetrySequence() throws {
        var teller = newTeller()
        let generator = FakeGenerator()
        var random = CountingRandom()
        for action in ["look", "sit", "wait"] {
            try teller.act(action, mode: .do)
            _ = try teller.writeReply(with: generator, random: &random)
        }
        #expect(teller.adventure.turns.count == 3)
        try teller.undo()
        try teller.undo()
        #expect(teller.adventure.turns.map(\.input) == ["look"])
        try teller.redo()
        #expect(teller.adventure.turns.map(\.input) == ["look", "sit"])
        #expect(teller.adventure.turns[1].replyText == "Reply number 2 happens here.")

        // Retry keeps the earlier reply as a sibling and can switch back to it.
        _ = try teller.writeReply(with: generator, random: &random)
        #expect(teller.position()! == (1, 2))
        #expect(teller.adventure.turns[1].replyText == "Reply number 4 happens here.")
        try teller.switchBranch(by: -1)
        #expect(teller.adventure.turns[1].replyText == "Reply number 2 happens here.")
        // The first reply's branch comes back as far as it went: "wait" is still after it.
        #expect(teller.adventure.turns.map(\.input) == ["look", "sit", "wait"])
        try teller.switchBranch(atTurn: 2, by: 1)
        #expect(teller.adventure.turns[1].replyText == "Reply number 4 happens here.")
        #expect(teller.adventure.turns.count == 2)

        // A new action is the end of the story: nothing after it to redo.
        try teller.act("stand", mode: .do)
        #expect(throws: StoryError.nothingToRedo) { try teller.redo() }
        try teller.undo(); try teller.undo(); try teller.undo()
        #expect(throws: StoryError.nothingToUndo) { try teller.undo() }
    }

    @Test func theRetryPromptIsTheSameAsTheFirst() throws {
        var teller = newTeller()
        let generator = FakeGenerator()
        var random = CountingRandom()
        try teller.act("look", mode: .do)
        _ = try teller.writeReply(with: generator, random: &random)
        _ = try teller.writeReply(with: generator, random: &random)
        #expect(generator.calls.count == 2)
        #expect(generator.calls[0].prompt == generator.calls[1].prompt)
        #expect(generator.calls[0].seed != generator.calls[1].seed)
    }

    @Test func loopGuardRetriesWithFreshSeedAndMoreTemperature() throws {
        var teller = newTeller()
        // The first two attempts repeat the previous reply; the third is new.
        let generator = FakeGenerator { call, n in
            n == 1 || n >= 4 ? "The guard stares at you in silence." : "The guard stares at you in silence."
        }
        var random = CountingRandom()
        try teller.act("wait", mode: .do)
        _ = try teller.writeReply(with: generator, random: &random)
        generator.script = { _, n in n < 4 ? "The guard stares at you in silence." : "He finally speaks: the king is dead." }
        try teller.act("wait", mode: .do)
        let outcome = try teller.writeReply(with: generator, random: &random)
        #expect(outcome.attempts == 3)
        #expect(!outcome.repetitive)
        #expect(outcome.reply?.text == "He finally speaks: the king is dead.")
        let temperatures = generator.calls.suffix(3).map(\.settings.temperature)
        #expect(temperatures[0] < temperatures[1] && temperatures[1] < temperatures[2])
        #expect(Set(generator.calls.suffix(3).map(\.seed)).count == 3)
    }

    @Test func aLoopThatNeverBreaksIsReported() throws {
        var teller = newTeller()
        let generator = FakeGenerator { _, _ in "The guard stares at you in silence." }
        var random = CountingRandom()
        try teller.act("wait", mode: .do)
        _ = try teller.writeReply(with: generator, random: &random)
        try teller.act("wait", mode: .do)
        let outcome = try teller.writeReply(with: generator, random: &random)
        #expect(outcome.repetitive)
        #expect(outcome.attempts == teller.loopRetries + 1)
        #expect(teller.adventure.tree.siblings(of: teller.adventure.turns.last!.id).count == 1)
    }

    @Test func emptyRepliesAfterEveryRetryAreAnError() throws {
        var teller = newTeller()
        let generator = FakeGenerator { _, _ in "> You do it again." }
        var random = CountingRandom()
        try teller.act("wait", mode: .do)
        #expect(throws: StoryError.noReply(rejections: Array(repeating: .empty, count: teller.loopRetries + 1))) {
            try teller.writeReply(with: generator, random: &random)
        }
        #expect(teller.awaitingReply)
    }

    /// In a story told to "you", a reply narrated as "I" or "we" is retried, with stronger
    /// anti-repetition, and the outcome says why; quoted speech never counts, and a story
    /// opened in the first person keeps such replies, as does the setting turned off.
    @Test func firstPersonSlipsAreRetriedInASecondPersonStory() throws {
        let replies = ["I open the door and we walk in.", "You open the door. \"I am here,\" says the guard."]
        let generator = FakeGenerator { _, n in replies[min(n - 1, replies.count - 1)] }
        var teller = newTeller()
        #expect(teller.adventure.guardsPerson)
        var random = CountingRandom()
        try teller.act("open the door", mode: .do)
        let outcome = try teller.writeReply(with: generator, random: &random)
        #expect(outcome.rejections == [.firstPerson])
        #expect(outcome.reply?.text.hasPrefix("You open the door.") == true)
        let seen = generator.calls.map(\.settings)
        #expect(seen[1].presencePenalty > seen[0].presencePenalty && seen[1].dryMultiplier > seen[0].dryMultiplier)
        #expect(seen[1].temperature > seen[0].temperature)

        var settings = teller.adventure.settings
        settings.firstPersonGuard = false
        try teller.setSettings(settings)
        #expect(!teller.adventure.guardsPerson)
        #expect(!PersonGuard.isSecondPerson("I wake in a cold cell. My head hurts."))
        #expect(PersonGuard.isSecondPerson("You wake in a cold cell. Your head hurts."))
        #expect(!PersonGuard.slips("\"We must go, I say,\" the guard shouts at you."))
        #expect(PersonGuard.slips("We run. I fall behind."))
        #expect(PersonGuard.slips("You see nothing. We are in a small room."))  // a sentence opens with "We"
        #expect(!PersonGuard.slips("You see nothing. The guard says we are late."))  // one, mid-sentence
        #expect(!PersonGuard.slips("You nod. \"We ride at dawn. I swear it.\" The captain leaves."))
    }

    @Test func aReplyCutMidSentenceIsFinished() throws {
        var teller = newTeller()
        let generator = FakeGenerator { _, n in n == 1 ? "The door swings open and" : " a cold wind blows in. More text here" }
        var random = CountingRandom()
        try teller.act("push the door", mode: .do)
        let outcome = try teller.writeReply(with: generator, random: &random)
        #expect(outcome.reply?.text == "The door swings open and a cold wind blows in.")
        #expect(generator.calls[1].prompt.hasSuffix("> You push the door.\nThe door swings open and"))
        #expect(generator.calls[1].settings.replyLength == teller.sentenceExtension)
    }

    @Test func stoppingDiscardsOrKeepsThePartialReply() throws {
        let generator = FakeGenerator { _, _ in "The troll roars. It lifts its club. It swings." }
        var random = CountingRandom()
        var teller = newTeller()
        try teller.act("run", mode: .do)
        var pieces = 0
        let stopped = try teller.writeReply(with: generator, random: &random) { _ in pieces += 1; return pieces < 5 }
        #expect(stopped.cancelled && stopped.reply == nil)
        #expect(teller.awaitingReply)  // consistent: the action waits for a reply

        pieces = 0
        let kept = try teller.writeReply(with: generator, random: &random, keepPartial: true) { _ in pieces += 1; return pieces < 5 }
        #expect(kept.cancelled)
        #expect(teller.adventure.turns.last?.replyText == "The troll roars.")
    }

    @Test func pendingActionsAndEndings() throws {
        var teller = newTeller()
        teller.setDetectsEndings(true)
        let generator = FakeGenerator { _, _ in "The dragon breathes fire. You die." }
        var random = CountingRandom()
        try teller.act("attack the dragon", mode: .do)
        #expect(throws: StoryError.replyPending) { try teller.act("run", mode: .do) }
        let outcome = try teller.writeReply(with: generator, random: &random)
        #expect(outcome.ending == .gameOver)
        #expect(throws: StoryError.adventureEnded(.gameOver)) { try teller.act("get up", mode: .do) }
        teller.continueAfterEnding()
        try teller.act("get up", mode: .do)
        try teller.undo()
        try teller.undo()
        #expect(teller.adventure.ending == nil)
    }

    @Test func memoryWorldInfoNoteAndSettings() throws {
        var teller = newTeller()
        teller.remember("You are a knight.")
        teller.remember("  ")
        teller.remember("Your horse is named Ash.")
        #expect(teller.adventure.memory == ["You are a knight.", "Your horse is named Ash."])
        try teller.forget(1)
        #expect(teller.adventure.memory == ["Your horse is named Ash."])
        #expect(throws: StoryError.noSuchMemory(5)) { try teller.forget(5) }
        try teller.editMemory(1, text: "Your horse is named \u{1B}[31mEmber.")
        #expect(teller.adventure.memory == ["Your horse is named Ember."])

        teller.addWorldInfo(WorldInfoEntry(keys: ["Ash", " "], text: "A grey mare."))
        #expect(teller.adventure.worldInfo.first?.keys == ["Ash"])
        try teller.removeWorldInfo(1)
        #expect(teller.adventure.worldInfo.isEmpty)

        teller.setAuthorsNote("Dark and rainy.")
        #expect(teller.adventure.authorsNote == "Dark and rainy.")
        #expect(throws: StoryError.self) { try teller.setSettings(GenerationSettings(temperature: 0)) }
        try teller.setSettings(GenerationSettings(temperature: 1.1, replyLength: 40))
        #expect(teller.adventure.settings.replyLength == 40)
    }

    @Test func editingTurns() throws {
        var teller = newTeller()
        var random = CountingRandom()
        try teller.act("look", mode: .do)
        _ = try teller.writeReply(with: FakeGenerator(), random: &random)
        try teller.edit(turn: 1, action: "> You look closely.", reply: "Nothing is there.")
        #expect(teller.adventure.turns[0].action == "> You look closely.")
        #expect(teller.adventure.turns[0].replyText == "Nothing is there.")
        #expect(throws: StoryError.noSuchTurn(2)) { try teller.edit(turn: 2, reply: "x") }
    }

    @Test func sayAndStoryModesEnterTheStory() throws {
        var teller = newTeller()
        var random = CountingRandom()
        let generator = FakeGenerator()
        try teller.act("hello", mode: .say)
        _ = try teller.writeReply(with: generator, random: &random)
        try teller.act("a bell tolls", mode: .story)
        _ = try teller.writeReply(with: generator, random: &random)
        #expect(generator.calls[1].prompt.hasSuffix("> You say \"Hello.\"\nReply number 1 happens here.\nA bell tolls.\n"))
        #expect(teller.adventure.blocks.map(\.kind) == [.narration, .action, .narration, .narration, .narration])
    }
}

@Suite struct NextPromptTests {
    @Test func nextPromptIsForThePendingActionOrForContinuing() throws {
        var teller = StoryTeller(adventure: Adventure(title: "T", opening: "You wake in a cell."))
        let counter = RealCounter()
        #expect(try teller.nextPrompt(counter: counter, window: 1024).text == "You wake in a cell.\n")
        try teller.act("open the door", mode: .do)
        #expect(try teller.nextPrompt(counter: counter, window: 1024).text == "You wake in a cell.\n> You open the door.\n")
        #expect(teller.adventure.turns.count == 1)  // the teller itself is unchanged
    }
}
