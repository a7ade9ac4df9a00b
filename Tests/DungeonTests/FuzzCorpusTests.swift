import Foundation
import TestSupport
import Testing

/// Every seed and every crash the fuzzers found (kept in Tests/Fuzz/corpus) goes through
/// its target in an ordinary build: what once trapped stays fixed.
struct FuzzCorpusTests {
    @Test func theCorpusRunsThroughEveryTargetWithoutATrap() throws {
        let binary = dungeonBinary.deletingLastPathComponent().appendingPathComponent("dungeon-fuzz")
        let process = Process()
        process.executableURL = binary
        process.arguments = ["--corpus", repositoryRoot.appendingPathComponent("Tests/Fuzz/corpus").path]
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        for target in ["safetensors", "gguf", "pickle", "tensorflow", "importers", "lore", "saveRows", "httpBodies"] {
            #expect(text.contains("\(target): "), "\(text)")
            #expect(!text.contains("\(target): 0 inputs"), "\(text)")
        }
    }
}
