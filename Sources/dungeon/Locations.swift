import Foundation
import Tokenizer

/// Where the game keeps things: saves, models and its bundled assets.
///
/// Run from a checkout (`swift run`), the checkout's own `Saves/` and `Models/` are used;
/// an installed binary uses `$XDG_DATA_HOME/dungeon` (`~/.local/share/dungeon`).
/// `--saves` / `DUNGEON_SAVES` and `--models` / `DUNGEON_MODELS` override them.
enum Locations {
    /// The checkout the running binary was built in, if it was: the nearest folder above the
    /// executable holding Package.swift and Assets/.
    static var checkout: URL? {
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        var folder = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<8 {
            let manager = FileManager.default
            if manager.fileExists(atPath: folder.appendingPathComponent("Package.swift").path),
               manager.fileExists(atPath: folder.appendingPathComponent("Assets").path) {
                return folder
            }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { break }
            folder = parent
        }
        return nil
    }

    static var dataHome: URL {
        if let xdg = ProcessInfo.processInfo.environment["XDG_DATA_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("dungeon")
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share/dungeon")
    }

    static func saves(override: String?) -> URL {
        if let override, !override.isEmpty { return URL(fileURLWithPath: (override as NSString).expandingTildeInPath) }
        if let env = ProcessInfo.processInfo.environment["DUNGEON_SAVES"], !env.isEmpty {
            return URL(fileURLWithPath: (env as NSString).expandingTildeInPath)
        }
        return (checkout?.appendingPathComponent("Saves")) ?? dataHome.appendingPathComponent("saves")
    }

    static func models(override: String?) -> URL {
        if let override, !override.isEmpty { return URL(fileURLWithPath: (override as NSString).expandingTildeInPath) }
        if let env = ProcessInfo.processInfo.environment["DUNGEON_MODELS"], !env.isEmpty {
            return URL(fileURLWithPath: (env as NSString).expandingTildeInPath)
        }
        return (checkout?.appendingPathComponent("Models")) ?? dataHome.appendingPathComponent("models")
    }

    /// GPT-2's tokenizer from the bundled assets: it measures a story without a model, and
    /// tells whether a backend's model tokenizes as GPT-2 does.
    static func bundledTokenizer() -> BPETokenizer? {
        assets.flatMap { try? BPETokenizer(directory: $0.appendingPathComponent("gpt2-tokenizer")) }
    }

    /// The bundled assets (scenarios, checksums): the checkout's Assets/, or an installed copy.
    static var assets: URL? {
        if let env = ProcessInfo.processInfo.environment["DUNGEON_ASSETS"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        if let checkout { return checkout.appendingPathComponent("Assets") }
        let candidates = [dataHome.appendingPathComponent("assets"), URL(fileURLWithPath: "/usr/local/share/dungeon"),
                          URL(fileURLWithPath: "/usr/share/dungeon")]
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// The save file inside a saves folder, creating the folder if needed.
    static func database(in folder: URL) throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent("dungeon.sqlite").path
    }
}
