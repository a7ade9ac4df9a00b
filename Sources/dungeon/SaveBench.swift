import ArgumentParser
import Foundation
import Storage
import Story

/// `dungeon bench --saves`: what the save file costs as a story grows. For stories of 10
/// and 10,000 turns (a fork every ten turns) in a fresh save file, the median over `runs`
/// of: opening the file (with its integrity check), loading the adventure, switching
/// branch half way back and saving that, and saving a turn (the action, then its reply:
/// two commits, each synced to disk). The next column is the same turn saved the way
/// saves worked before the story tree, rewriting every row of the adventure. Then recall's
/// costs: saving a turn without the full-text index (the difference is indexing it), one
/// recall's queries (word counts and a search among the turns out of the window), and
/// indexing the whole story when a save from before recall is first opened to play.
struct SaveBench {
    let runs: Int

    func run() throws {
        print("saves:   a story of N turns (a fork every 10), synchronous = FULL, median of \(runs) runs")
        print("turns    open file   load story   switch branch   save a turn (2 commits)   rewrite all (before)"
              + "   save a turn, no index   recall in a prompt   index the story (migration)")
        for turns in [10, 10_000] {
            let row = try measure(turns: turns)
            print(String(format: "%-8d %6.2f ms   %7.2f ms    %8.2f ms    %12.2f ms            %10.2f ms     %12.2f ms   %9.2f ms   %12.0f ms",
                         turns, row.open, row.load, row.switchBranch, row.saveTurn, row.rewrite, row.saveUnindexed,
                         row.recall, row.migration))
        }
    }

    struct Row {
        var open, load, switchBranch, saveTurn, rewrite: Double
        var saveUnindexed = 0.0, recall = 0.0, migration = 0.0
    }

    private func measure(turns: Int) throws -> Row {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dungeon-save-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("dungeon.sqlite").path
        let id = try SaveDatabase(path: path).create(Self.story(turns: turns))

        let clock = ContinuousClock()
        func milliseconds(_ work: () throws -> Void) rethrows -> Double {
            let start = clock.now
            try work()
            let elapsed = clock.now - start
            return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        }
        var samples: [[Double]] = Array(repeating: [], count: 5)
        for run in 0..<runs {
            var database: SaveDatabase!
            samples[0].append(try milliseconds { database = try SaveDatabase(path: path) })
            var teller = StoryTeller(adventure: Adventure(title: "", opening: ""))
            samples[1].append(try milliseconds { teller = StoryTeller(adventure: try database.load(id: id)) })
            var saved = teller.adventure.revision
            // Turn 5, 15, 25… has a sibling; the one half way back is switched to, and back.
            let fork = turns / 2 / 10 * 10 + 5
            samples[2].append(try milliseconds {
                try teller.switchBranch(atTurn: fork, by: 1)
                try database.save(teller.adventure, id: id, since: saved)
            })
            saved = teller.adventure.revision
            try teller.switchBranch(atTurn: fork, by: 1)
            try database.save(teller.adventure, id: id, since: saved)
            saved = teller.adventure.revision
            samples[3].append(try milliseconds {
                try teller.act("wait \(run)", mode: .do)
                try database.save(teller.adventure, id: id, since: saved)
                saved = teller.adventure.revision
                try teller.edit(turn: teller.adventure.turns.count, reply: "Time passes, slowly, in the dark.")
                try database.save(teller.adventure, id: id, since: saved)
                saved = teller.adventure.revision
            })
            samples[4].append(try milliseconds { try database.save(teller.adventure, id: id) })
        }
        let medians = samples.map(median)
        var row = Row(open: medians[0], load: medians[1], switchBranch: medians[2], saveTurn: medians[3], rewrite: medians[4])
        try measureRecall(turns: turns, folder: folder, into: &row, milliseconds: milliseconds)
        return row
    }

    private func measureRecall(
        turns: Int, folder: URL, into row: inout Row, milliseconds: (() throws -> Void) throws -> Double
    ) throws {
        // A save written where SQLite has no FTS5 stands for one from before recall: opening
        // it to play indexes the whole story.
        var unindexed: [Double] = [], withRecall: [Double] = [], withoutRecall: [Double] = [], migration: [Double] = []
        let story = Self.story(turns: turns)
        for run in 0..<min(runs, 5) {
            let path = folder.appendingPathComponent("unindexed-\(run).sqlite").path
            var plain: SaveDatabase! = try SaveDatabase(path: path, fullTextSearch: false)
            let id = try plain.create(story)
            var teller = StoryTeller(adventure: story)
            var saved = teller.adventure.revision
            func playTurn(reply: String) throws {
                try teller.act("wait", mode: .do)
                try plain.save(teller.adventure, id: id, since: saved)
                saved = teller.adventure.revision
                try teller.edit(turn: teller.adventure.turns.count, reply: reply)
                try plain.save(teller.adventure, id: id, since: saved)
                saved = teller.adventure.revision
            }
            // The first commit after writing a whole story folds its log back in: not a turn's cost.
            try playTurn(reply: "Time passes.")
            // The latest reply names someone met a third of the way in, as a player's story does.
            unindexed.append(try milliseconds { try playTurn(reply: "\(Self.name(turns / 3)) waits by the bell.") })
            try plain.close()
            plain = nil
            var indexed: SaveDatabase!
            migration.append(try milliseconds { indexed = try SaveDatabase(path: path) })
            // What recall adds to building a prompt: how common the latest reply's and the
            // action's words are, then the best passages among the turns that scrolled out.
            let index = SavedStoryIndex(database: indexed, adventureID: id)
            let action = "ask about \(Self.name(turns / 2))"
            var prompts: [ContextPrompt] = []
            withoutRecall.append(try milliseconds {
                prompts.append(try teller.prompt(forAction: action, mode: .do, counter: WordCounter(), window: 1024))
            })
            withRecall.append(try milliseconds {
                prompts.append(try teller.prompt(forAction: action, mode: .do, counter: WordCounter(), window: 1024, recall: index))
            })
            guard turns < 100 || prompts[1].recalled.count >= 2 else {
                throw ValidationError("recall found \(prompts[1].recalled.count) passages in the benchmark's story, not 2")
            }
            try indexed.close()
        }
        row.saveUnindexed = median(unindexed)
        row.recall = max(0, median(withRecall) - median(withoutRecall))
        row.migration = median(migration)
    }

    /// A name for turn `n`, the same for the same `n`, different for every other.
    static func name(_ n: Int) -> String {
        let syllables = ["ka", "lo", "mi", "ren", "tu", "va", "sho", "el"]
        var digits = n, name = ""
        repeat {
            name += syllables[digits % 8]
            digits /= 8
        } while digits > 0
        return "Bri" + name
    }

    /// A story of `turns` turns of typical length, where every tenth turn was retried.
    static func story(turns: Int) -> Adventure {
        var adventure = Adventure(title: "Save benchmark", opening: "You stand at the edge of a long road.")
        let settings = adventure.settings
        for n in 1...turns {
            let reply = "The road goes on past field \(n), where \(name(n)) mends a fence; crows watch, and far ahead "
                + "a bell rings twice for the evening, as it has every evening since you set out."
            if n % 10 == 5 {
                // Retried: the first reply stays as a sibling.
                adventure.tree.add(after: adventure.tree.head, mode: .do, input: "walk on", action: "> You walk on.",
                                   reply: Reply(text: "You stop at field \(n).", seed: UInt64(n), settings: settings))
                adventure.tree.moveHead(to: adventure.tree.turns[adventure.tree.head]!.parent)
            }
            adventure.tree.add(after: adventure.tree.head, mode: .do, input: "walk on", action: "> You walk on.",
                               reply: Reply(text: reply, seed: UInt64(n), settings: settings))
        }
        adventure.tree.clearChanges()
        return adventure
    }
}

/// Tokens as a GPT-2 tokenizer counts English prose, near enough for timing: four for every three words.
private struct WordCounter: TokenCounter {
    func tokenCount(_ text: String) -> Int {
        (text.split(whereSeparator: \.isWhitespace).count * 4 + 2) / 3
    }
}
