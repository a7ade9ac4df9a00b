import Foundation

/// libFuzzer's entry: the target is named by DUNGEON_FUZZ_TARGET (libFuzzer owns the
/// command line). Built by Scripts/fuzz with `-sanitize=fuzzer -D FUZZING`, where `main`
/// hands the command line to libFuzzer's driver (SwiftPM links an executable's `main` itself).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    chosenTarget.run(Data(bytes: start, count: count))
    return 0
}

let chosenTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["DUNGEON_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(Data("DUNGEON_FUZZ_TARGET must be one of \(FuzzTarget.allCases.map(\.rawValue))\n".utf8))
        exit(2)
    }
    return target
}()

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@main
enum Fuzz {
    static func main() {
        // One-time setup before the first input, so the leak check never counts it.
        chosenTarget.prepare()
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv) { start, count in fuzzOneInput(start, count) })
    }
}
#else
/// Without libFuzzer: `dungeon-fuzz TARGET FILE...` runs each file through the target once
/// (a crash found by fuzzing, replayed in an ordinary build), and `dungeon-fuzz --corpus
/// FOLDER` runs every target over FOLDER/TARGET/*.
@main
enum Replay {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "--corpus", arguments.count == 2 {
            for target in FuzzTarget.allCases {
                let folder = URL(fileURLWithPath: arguments[1]).appendingPathComponent(target.rawValue)
                let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
                for file in files.sorted() {
                    target.run(FileManager.default.contents(atPath: folder.appendingPathComponent(file).path) ?? Data())
                }
                print("\(target.rawValue): \(files.count) inputs")
            }
            return
        }
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            print("usage: dungeon-fuzz TARGET FILE... | --corpus FOLDER; targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
            exit(2)
        }
        for file in arguments.dropFirst() { target.run(FileManager.default.contents(atPath: file) ?? Data()) }
    }
}
#endif
