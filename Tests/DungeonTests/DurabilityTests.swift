import Foundation
import TestSupport
import Testing

/// "Saved before shown", checked on the system calls themselves: strace records every
/// write to the terminal and every fsync/fdatasync, in order.
@Suite struct DurabilityTests {
    static var hasStrace: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/strace") }

    @Test func everyTurnIsSyncedToDiskBeforeTheScreenShowsIt() throws {
        try #require(Self.hasStrace, "strace is not installed (.ci/run installs it)")
        let folders = try GameFolders()
        let trace = folders.saves + ".trace"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
        process.arguments = ["-f", "-s", "64", "-e", "trace=fsync,fdatasync,write", "-o", trace, dungeonBinary.path,
                             "play", "--plain", "--new", "--prompt", "You wake in a cold cell.", "--model", folders.model,
                             "--saves", folders.saves, "--seed", "5"]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data("open the door\nlook around\n/retry\nwait\n".utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        let calls = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
            .compactMap { line -> Substring? in line.split(separator: " ", maxSplits: 1).last.map { $0.drop { $0 == " " } } }

        // Each run of terminal writes between two syncs; a turn's echo and a reply's last
        // piece must each come first in their run (a commit was synced just before).
        var syncedSinceLastWrite = false
        var echoes = 0
        var lastWriteBeforeEcho: [Bool] = []  // for each reply: was its final write preceded by a sync?
        var previousWriteSynced = false
        for call in calls {
            if call.hasPrefix("fsync(") || call.hasPrefix("fdatasync(") {
                syncedSinceLastWrite = true
            } else if call.hasPrefix("write(1, ") {
                if call.hasPrefix("write(1, \"\\n> You ") {
                    echoes += 1
                    #expect(syncedSinceLastWrite, "action \(echoes) was shown before its commit was synced")
                    if echoes > 1 { lastWriteBeforeEcho.append(previousWriteSynced) }
                }
                previousWriteSynced = syncedSinceLastWrite
                syncedSinceLastWrite = false
            }
        }
        lastWriteBeforeEcho.append(previousWriteSynced)
        #expect(echoes == 3)
        #expect(lastWriteBeforeEcho.count == 3 && lastWriteBeforeEcho.allSatisfy { $0 },
                "a reply finished on screen before it was synced: \(lastWriteBeforeEcho)")
    }
}
