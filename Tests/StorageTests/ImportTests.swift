import Foundation
import TestSupport
import Testing
@testable import Storage
import Story

@Suite struct ImportTests {
    @Test func exportThenImportIsIdentical() throws {
        let adventure = sampleAdventure()
        let json = try AdventureExporter.export(adventure, as: .json, date: fixedDate)
        let imported = try JSONExchange.importAdventure(Data(json.utf8))
        #expect(imported == adventure)
        #expect(imported.turns[0].reply?.seed == UInt64.max)
        // And through a real save file.
        let folder = try ScratchFolder()
        let database = try SaveDatabase(path: folder.url.appendingPathComponent("s.sqlite").path)
        let id = try database.create(imported)
        #expect(try database.load(id: id) == adventure)
    }

    @Test(arguments: [
        ("not json at all", "not valid JSON"),
        ("[1, 2, 3]", "not a save dungeon knows"),
        ("{\"hello\": 1}", "not a save dungeon knows"),
        ("{\"format\": \"dungeon-adventure\", \"version\": 99, \"adventure\": {}}", "newer dungeon"),
        ("{\"format\": \"dungeon-adventure\", \"version\": 1, \"exportedAt\": \"x\", \"adventure\": {\"title\": 5}}", "wrong type"),
        ("{\"format\": \"dungeon-adventure\", \"version\": 1, \"exportedAt\": \"x\", \"adventure\": {\"title\": \"t\"}}", "missing"),
        ("{\"story_start\": 7, \"actions\": [], \"results\": []}", "story_start is not text"),
        ("{\"story_start\": \"s\", \"actions\": [1, 2], \"results\": []}", "actions[0] is not text"),
        ("{\"gamestarted\": true, \"prompt\": \"p\", \"actions\": 5}", "actions is not a list"),
    ])
    func refusesMalformedFiles(text: String, message: String) {
        do {
            _ = try JSONExchange.importAdventure(Data(text.utf8))
            Issue.record("imported \(text)")
        } catch let error as ImportError {
            #expect(error.description.contains(message), "\(error.description)")
            #expect(!error.description.contains("\n"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func refusesHostileFiles() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: ImportError.tooDeep(limit: JSONExchange.maximumDepth)) {
            try JSONExchange.importAdventure(Data(deep.utf8))
        }
        let huge = "{\"prompt\": \"" + String(repeating: "a", count: 2 << 20) + "\", \"actions\": []}"
        #expect(throws: ImportError.self) { try JSONExchange.importAdventure(Data(huge.utf8)) }
        let tooBig = Data(count: JSONExchange.maximumBytes + 1)
        #expect(throws: ImportError.tooLarge(bytes: tooBig.count, limit: JSONExchange.maximumBytes)) {
            try JSONExchange.importAdventure(tooBig)
        }
        // Our own format with a terminal escape hidden in a reply is refused, not imported.
        var adventure = sampleAdventure()
        adventure.tree.update(adventure.turns[0].id) { $0.reply?.text = "Hi \u{1B}]0;pwned\u{07}" }
        let json = try JSONExchange.export(adventure, exportedAt: fixedDate)
        #expect(throws: ImportError.self) { try JSONExchange.importAdventure(Data(json.utf8)) }
        // A turn that follows a turn that does not exist.
        let orphaned = try JSONExchange.export(sampleAdventure(), exportedAt: fixedDate)
            .replacingOccurrences(of: "\"parent\" : 2,", with: "\"parent\" : 99,")
        #expect(orphaned.contains("99"))
        #expect { try JSONExchange.importAdventure(Data(orphaned.utf8)) } throws: {
            "\($0)".contains("tree is not valid: the story's turns do not form a tree: turn 3 follows turn 99")
        }
        // Legacy saves are sanitised on the way in instead.
        let kobold = "{\"gamestarted\": true, \"prompt\": \"A\\u001b[2Jb\", \"actions\": [\"\\nc\\u0007d\"]}"
        let imported = try JSONExchange.importAdventure(Data(kobold.utf8))
        #expect(imported.opening == "Ab")
        #expect(imported.turns.first?.replyText == "cd")
    }

    /// Random damage to a valid export: every result is an adventure that passes
    /// validation or a clear ImportError, never a crash or a hang.
    @Test func fuzzedFilesNeverCrash() throws {
        let valid = Array(try JSONExchange.export(sampleAdventure(), exportedAt: fixedDate).utf8)
        var random = SeededBytes(state: 99)
        var imported = 0, refused = 0
        for round in 0..<600 {
            var bytes = valid
            switch round % 4 {
            case 0:  // truncate
                bytes = Array(bytes.prefix(Int(random.next()) * bytes.count / 256))
            case 1:  // flip a few bytes
                for _ in 0..<(1 + Int(random.next()) % 4) {
                    bytes[Int(random.next()) * Int(random.next()) % bytes.count] = random.next()
                }
            case 2:  // duplicate a slice
                let start = Int(random.next()) * bytes.count / 256
                let end = min(bytes.count, start + Int(random.next()))
                bytes.insert(contentsOf: bytes[start..<end], at: start)
            default:  // delete a slice
                let start = Int(random.next()) * bytes.count / 256
                let end = min(bytes.count, start + Int(random.next()) % 32)
                bytes.removeSubrange(start..<end)
            }
            do {
                let adventure = try JSONExchange.importAdventure(Data(bytes))
                try JSONExchange.validate(adventure)
                imported += 1
            } catch is ImportError {
                refused += 1
            }
        }
        #expect(imported + refused == 600)
        #expect(refused > 0)
    }
}
