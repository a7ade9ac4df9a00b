import Foundation
import Testing
import TestSupport

/// The built `dungeon` executable, beside the test bundle in .build/<configuration>/.
let dungeonBinary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("dungeon")

struct ProcessResult {
    var status: Int32
    var output: String
    var error: String
}

/// Runs the binary with `input` on standard input, waiting at most `timeout` seconds.
func runDungeon(_ arguments: [String], input: String = "", environment: [String: String] = [:], timeout: Double = 120) throws -> ProcessResult {
    let process = Process()
    process.executableURL = dungeonBinary
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["SWIFT_BACKTRACE"] = "enable=no"
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    // Read both pipes while waiting, so a full pipe never blocks the child.
    let outputBox = DataBox(), errorBox = DataBox()
    let group = DispatchGroup()
    for (pipe, box) in [(stdout, outputBox), (stderr, errorBox)] {
        group.enter()
        DispatchQueue.global().async {
            box.set(pipe.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }
    }
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning {
        process.terminate()
        throw TimeoutError(command: arguments.joined(separator: " "))
    }
    group.wait()
    return ProcessResult(status: process.terminationStatus, output: String(decoding: outputBox.get(), as: UTF8.self),
                         error: String(decoding: errorBox.get(), as: UTF8.self))
}

struct TimeoutError: Error { var command: String }

/// Runs a Python script with one argument (a test's way to edit a save file as another
/// program would); fails the test if the script fails.
func runPython(_ script: String, _ argument: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, argument]
    try process.run()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0)
}

final class DataBox: @unchecked Sendable {
    // @unchecked: `data` is only touched under `lock`.
    private let lock = NSLock()
    private var data = Data()
    func set(_ value: Data) { lock.withLock { data = value } }
    func get() -> Data { lock.withLock { data } }
    func append(_ more: Data) { lock.withLock { data.append(more) } }
}

/// A random-weight model and an empty saves folder for one test.
struct GameFolders {
    let scratch: ScratchFolder
    var model: String { scratch.url.appendingPathComponent("model").path }
    var saves: String { scratch.url.appendingPathComponent("saves").path }

    init() throws {
        scratch = try ScratchFolder()
        try RandomCheckpoint.write(to: scratch.url.appendingPathComponent("model"))
    }
}

/// The game running with pipes for its standard streams, for tests that act while it runs
/// (send a line, wait for output, send a signal).
final class LiveGame {
    let process = Process()
    private let input = Pipe()
    private let output = DataBox()
    private let errors = DataBox()
    private let group = DispatchGroup()

    init(_ arguments: [String]) throws {
        process.executableURL = dungeonBinary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        process.environment = environment
        let stdout = Pipe(), stderr = Pipe()
        process.standardInput = input
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        for (pipe, box) in [(stdout, output), (stderr, errors)] {
            group.enter()
            let handle = pipe.fileHandleForReading
            DispatchQueue.global().async { [group] in
                while case let chunk = handle.availableData, !chunk.isEmpty { box.append(chunk) }
                group.leave()
            }
        }
    }

    var outputText: String { String(decoding: output.get(), as: UTF8.self) }
    var errorText: String { String(decoding: errors.get(), as: UTF8.self) }

    func send(_ line: String) {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    func closeInput() {
        try? input.fileHandleForWriting.close()
    }

    /// Waits until standard output holds `text` (after `offset` bytes), for up to `timeout` seconds.
    func waitForOutput(_ text: String, after offset: Int = 0, timeout: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if String(decoding: output.get().dropFirst(offset), as: UTF8.self).contains(text) { return true }
            if !process.isRunning { return false }
            usleep(5_000)
        }
        return false
    }

    var outputCount: Int { output.get().count }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// The exit status once the game has ended, or nil if it is still running after `timeout`
    /// seconds (it is then killed).
    func exitStatus(within timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        group.wait()
        return process.terminationStatus
    }
}
