import Foundation
import GRDB
import TestSupport
import Testing
@testable import Storage

/// Kills a child process that is playing a story tree into a save file (new turns, undos,
/// branches, branch switches, each saved incrementally) at random moments, many times over,
/// and checks that the file holds exactly the last state reported saved or the one being
/// saved when it died, with every turn whole.
@Suite struct CrashTests {
    /// The save-stress executable, built beside the test bundle.
    static var stressBinary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("save-stress")
    }

    struct Reported: Equatable {
        var nodes: Int
        var head: Int
    }

    /// The last "saving" and "saved" lines of the child's output.
    static func reports(_ output: String) -> (saving: Reported?, saved: Reported?) {
        var result: (saving: Reported?, saved: Reported?) = (nil, nil)
        for line in output.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard words.count == 3, let nodes = Int(words[1]), let head = Int(words[2]) else { continue }
            if words[0] == "saving" { result.saving = Reported(nodes: nodes, head: head) }
            if words[0] == "saved" { result.saved = Reported(nodes: nodes, head: head) }
        }
        return result
    }

    @Test func sigkillAtRandomPointsNeverLosesACommittedTurnOrSwitch() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.stressBinary.path), "save-stress was not built")
        let folder = try ScratchFolder()
        let path = folder.url.appendingPathComponent("crash.sqlite").path
        var random = SeededBytes(state: 11)
        var total = 0
        for round in 0..<30 {
            let process = Process()
            process.executableURL = Self.stressBinary
            process.arguments = [path, "1000"]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            // Wait until the child reports a few more saves, then kill it without warning a
            // random moment later (often in the middle of the next transaction).
            let target = 5 + Int(random.next()) % 10
            var printed = ""
            while printed.components(separatedBy: "saved ").count - 1 < target {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }  // the child ended
                printed += String(decoding: chunk, as: UTF8.self)
            }
            usleep(UInt32(Int(random.next()) * 40))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            printed += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let (saving, saved) = Self.reports(printed)

            let database = try SaveDatabase(path: path)
            #expect(try database.integrityCheck() == "ok", "round \(round)")
            let id = try #require(try database.lastAdventureID())
            let tree = try database.load(id: id).tree  // loading checks the tree's shape
            let found = Reported(nodes: tree.turns.count, head: tree.head)
            #expect(found == saved || found == saving, "round \(round): the file holds \(found); saved \(String(describing: saved)), saving \(String(describing: saving))")
            // Every stored turn is whole: its reply, when it has one, is the one written for its action.
            for turn in tree.turns.values {
                #expect(turn.action == "> You \(turn.input).")
                if let reply = turn.reply { #expect(reply.text.hasPrefix("Door \(turn.input.dropFirst(5)) opens")) }
            }
            total += printed.components(separatedBy: "saved ").count - 1
        }
        #expect(total >= 150, "the child saved only \(total) times in all")  // 30 rounds of at least 5
    }
}
