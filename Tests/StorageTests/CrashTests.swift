import Foundation
import GRDB
import TestSupport
import Testing
@testable import Storage

/// Kills a child process that is saving turns, at random moments, many times over,
/// and checks that every turn it reported as saved survives and the file stays intact.
@Suite struct CrashTests {
    /// The save-stress executable, built beside the test bundle.
    static var stressBinary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("save-stress")
    }

    @Test func sigkillAtRandomPointsNeverLosesACommittedTurn() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.stressBinary.path), "save-stress was not built")
        let folder = try ScratchFolder()
        let path = folder.url.appendingPathComponent("crash.sqlite").path
        var random = SeededBytes(state: 11)
        var confirmed = 0
        for round in 0..<30 {
            let process = Process()
            process.executableURL = Self.stressBinary
            process.arguments = [path, "1000"]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            // Wait until the child reports a few more saved turns, then kill it without
            // warning a random moment later (often in the middle of the next transaction).
            let target = confirmed + 5 + Int(random.next()) % 10
            var printed = ""
            var lastReported = confirmed
            while lastReported < target {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }  // the child ended
                printed += String(decoding: chunk, as: UTF8.self)
                lastReported = printed.split(separator: "\n").compactMap { line -> Int? in
                    line.hasPrefix("saved ") ? Int(line.dropFirst(6)) : nil
                }.last ?? lastReported
            }
            usleep(UInt32(Int(random.next()) * 40))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            printed += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            lastReported = printed.split(separator: "\n").compactMap { line -> Int? in
                line.hasPrefix("saved ") ? Int(line.dropFirst(6)) : nil
            }.last ?? lastReported
            confirmed = max(confirmed, lastReported)

            let database = try SaveDatabase(path: path)
            #expect(try database.integrityCheck() == "ok", "round \(round)")
            let id = try #require(try database.lastAdventureID())
            let turns = try database.load(id: id).turns
            #expect(turns.count >= confirmed, "round \(round): \(turns.count) turns on disk, \(confirmed) reported saved")
            // Every stored turn is whole: action and reply both present and matching.
            for (index, turn) in turns.enumerated() {
                #expect(turn.action == "> You walk to door \(index + 1).")
                #expect(turn.reply.hasPrefix("Door \(index + 1) opens"))
            }
            confirmed = turns.count
        }
        #expect(confirmed >= 150, "the child saved only \(confirmed) turns in all")  // 30 rounds of at least 5
    }
}
