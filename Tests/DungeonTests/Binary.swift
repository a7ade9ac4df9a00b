import Foundation
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

final class DataBox: @unchecked Sendable {
    // @unchecked: `data` is only touched under `lock`.
    private let lock = NSLock()
    private var data = Data()
    func set(_ value: Data) { lock.withLock { data = value } }
    func get() -> Data { lock.withLock { data } }
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
