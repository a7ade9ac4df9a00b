import Foundation
import GRDB
import TestSupport
import Testing
@testable import Storage
import Story
import Tokenizer

/// Recall over a scripted 400-turn story (`Scripts/make_recall_story.py`), played into a real
/// save file: facts planted early and mentioned once much later must come back into the
/// prompt, never a passage still in it, never one from another branch or a deleted one.
@Suite struct RecallStoryTests {
    struct Fixture: Decodable {
        struct ScriptedTurn: Decodable { var action: String; var reply: String }
        struct Fact: Decodable { var word: String; var plantedTurn: Int; var mentionTurn: Int; var inAction: Bool }
        struct Decoy: Decodable { var afterTurn: Int; var reply: String; var deleted: Bool }
        var opening: String
        var turns: [ScriptedTurn]
        var facts: [Fact]
        var decoys: [Decoy]
    }

    static let fixture: Fixture = {
        let url = repositoryRoot.appendingPathComponent("Tests/StorageTests/Fixtures/recall-story.json")
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    static let tokenizer = try! BPETokenizer(directory: repositoryRoot.appendingPathComponent("Assets/gpt2-tokenizer"))

    struct Counter: TokenCounter {
        func tokenCount(_ text: String) -> Int { RecallStoryTests.tokenizer.encode(text).count }
    }

    struct Result {
        var found = 0
        var mentions = 0
        var problems: [String] = []
        var startMoves = 0
    }

    /// Plays the story with `allowance` recall tokens, checking every prompt.
    func play(allowance: Int, fullTextSearch: Bool = true) throws -> Result {
        let folder = try ScratchFolder()
        let database = try SaveDatabase(path: folder.url.appendingPathComponent("recall.sqlite").path, fullTextSearch: fullTextSearch)
        var adventure = Adventure(title: "Recall", opening: Self.fixture.opening)
        adventure.settings.recallTokens = allowance
        var teller = StoryTeller(adventure: adventure)
        let id = try database.create(teller.adventure)
        var revision = teller.adventure.revision
        func save() throws {
            try database.save(teller.adventure, id: id, since: revision)
            revision = teller.adventure.revision
        }
        var result = Result()
        var lastFirstTurn = 0
        let counter = Counter()

        func check(_ prompt: ContextPrompt, at number: Int, expecting facts: [Fixture.Fact]) {
            let path = teller.adventure.turns
            for recalled in prompt.recalled {
                // Only turns that scrolled out: the story section holds turns after `turnsDropped`.
                if recalled.turnNumber > prompt.turnsDropped {
                    result.problems.append("turn \(number): recalled turn \(recalled.turnNumber), still in the prompt")
                }
                let onPath = recalled.turnNumber == 0 ? recalled.passage.turn == StoryTree.opening
                    : path.indices.contains(recalled.turnNumber - 1) && path[recalled.turnNumber - 1].id == recalled.passage.turn
                if !onPath { result.problems.append("turn \(number): recalled a passage of turn id \(recalled.passage.turn), not on the story") }
                if recalled.passage.text.contains("not the story") {
                    result.problems.append("turn \(number): recalled a decoy from another branch")
                }
                if !prompt.text.contains(recalled.passage.text) { result.problems.append("turn \(number): recalled text not in the prompt") }
            }
            for fact in facts {
                result.mentions += 1
                let planted = path[fact.plantedTurn - 1].id
                if prompt.recalled.contains(where: { $0.passage.turn == planted && $0.passage.text.contains(fact.word) }) {
                    result.found += 1
                } else if ProcessInfo.processInfo.environment["RECALL_DEBUG"] != nil {
                    print("miss \(fact.word) at \(number): words \(prompt.recallWords), recalled \(prompt.recalled.map { "\($0.turnNumber): \($0.passage.text)" }), dropped \(prompt.turnsDropped)")
                    let hits = (try? SavedStoryIndex(database: database, adventureID: id).search(prompt.recallWords, among: nil, limit: 5)) ?? []
                    for hit in hits { print("   found turn \(hit.passage.turn): \(hit.passage.text) \(hit.matched)") }
                }
            }
        }

        for (offset, scripted) in Self.fixture.turns.enumerated() {
            let number = offset + 1
            try teller.act(scripted.action, mode: .story)
            try save()
            let enter = try teller.nextPrompt(counter: counter, window: 1024, recall: SavedStoryIndex(database: database, adventureID: id))
            check(enter, at: number, expecting: Self.fixture.facts.filter { $0.inAction && $0.mentionTurn == number })
            if enter.turnsDropped != lastFirstTurn { result.startMoves += 1 }
            lastFirstTurn = enter.turnsDropped
            try teller.edit(turn: number, reply: scripted.reply)
            try save()
            // What is read ahead while the player reads this reply.
            let index = fullTextSearch ? SavedStoryIndex(database: database, adventureID: id) as any StoryIndex
                : ScanIndex(adventure: teller.adventure)
            let readAhead = try teller.nextPrompt(counter: counter, window: 1024, recall: index)
            check(readAhead, at: number, expecting: Self.fixture.facts.filter { !$0.inAction && $0.mentionTurn == number })

            for decoy in Self.fixture.decoys where decoy.afterTurn == number {
                let head = teller.adventure.tree.head
                try teller.undo()
                try teller.act("You wander down a side street.", mode: .story)
                try teller.edit(turn: number, reply: decoy.reply)
                let branch = teller.adventure.tree.head
                teller.select(head)
                if decoy.deleted { try teller.deleteBranch(branch) }
                try save()
            }
        }
        // The file holds the index the game kept: the same passages as indexing it anew.
        let kept = try database.read { try Row.fetchAll($0, sql: "SELECT rowid, text FROM passage ORDER BY rowid") }
        try database.write { try SaveDatabase.indexAdventure(id, db: $0) }
        let fresh = try database.read { try Row.fetchAll($0, sql: "SELECT rowid, text FROM passage ORDER BY rowid") }
        if kept != fresh { result.problems.append("the index kept turn by turn differs from one built anew") }
        return result
    }

    /// The default allowance was chosen from this table (printed): the smallest that finds
    /// every planted fact (32 tokens: 0 of 24, 64: 21, 96: 24, 128: 24 when it was chosen).
    @Test func recallBringsBackNineInTenPlantedFactsAndNothingElse() throws {
        let off = try play(allowance: 0)
        #expect(off.found == 0)
        var rows: [String] = []
        for allowance in [64, GenerationSettings.defaultRecallTokens] {
            let result = try play(allowance: allowance)
            rows.append("\(allowance) tokens: \(result.found) of \(result.mentions) found, story start moved \(result.startMoves) times")
            #expect(result.mentions == Self.fixture.facts.count)
            #expect(result.problems.isEmpty, "\(result.problems.prefix(5))")
            // The allowance is reserved every turn: the story's start moves as often as without recall.
            #expect(result.startMoves <= off.startMoves + 2, "recall at \(allowance) moved the story's start more often")
            if allowance == GenerationSettings.defaultRecallTokens { #expect(result.found * 10 >= result.mentions * 9) }
        }
        print("recall over 400 turns (off: story start moved \(off.startMoves) times):\n" + rows.joined(separator: "\n"))
    }
}
