import ArgumentParser
import Foundation
import GPT2
import Storage
import Story
import Tokenizer
#if canImport(Glibc)
import Glibc
#endif

/// "1 turn", "3 turns".
func turnCount(_ count: Int) -> String { count == 1 ? "1 turn" : "\(count) turns" }

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List saved adventures.")
    @OptionGroup var savesOptions: SavesOptions

    func run() throws {
        try reportingErrors {
            let saves = try savesOptions.openForReading()?.list() ?? []
            guard !saves.isEmpty else {
                writeOut("No saved adventures yet. Start one with `dungeon`.\n")
                return
            }
            let rows = saves.map { [String($0.id), $0.title, $0.scenario, String($0.turns), GameSessionDates.text($0.lastPlayed)] }
            writeOut(Table.render(header: ["ID", "TITLE", "SCENARIO", "TURNS", "LAST PLAYED"], rows: rows))
        }
    }
}

struct ContinueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "continue", abstract: "Continue the last adventure (takes the options of `play`).")
    @Argument(parsing: .allUnrecognized, help: "Options for `play`, such as --plain or --model DIR.") var options: [String] = []

    func run() throws {
        let play = try PlayCommand.parse(["--continue"] + options)
        try play.run()
    }
}

struct RenameCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rename", abstract: "Rename an adventure.")
    @OptionGroup var savesOptions: SavesOptions
    @Argument(help: "The adventure's id (see `dungeon list`).") var id: Int64
    @Argument(help: "The new title.") var title: String

    func run() throws {
        try reportingErrors {
            // A game playing this adventure would put the old title back with its next save.
            let lock = try AdventureLock(folder: savesOptions.folder.path, id: id)
            defer { lock.release() }
            try savesOptions.open().rename(id: id, title: title)
            writeOut("Renamed adventure \(id).\n")
        }
    }
}

struct DeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete an adventure for good.")
    @OptionGroup var savesOptions: SavesOptions
    @Argument(help: "The adventure's id (see `dungeon list`).") var id: Int64
    @Flag(name: [.short, .long], help: "Do not ask for confirmation.") var yes = false

    func run() throws {
        try reportingErrors {
            let database = try savesOptions.open()
            let adventure = try database.load(id: id)
            if !yes {
                guard isatty(STDIN_FILENO) == 1 else {
                    throw ValidationError("not deleting without confirmation; add --yes")
                }
                writeOut("Delete \"\(adventure.title)\" (\(turnCount(adventure.turns.count))) for good? [y/N] ")
                guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                    writeOut("Kept.\n")
                    return
                }
            }
            let lock = try AdventureLock(folder: savesOptions.folder.path, id: id)
            defer { lock.release() }
            try database.delete(id: id)
            lock.removeFile()
            writeOut("Deleted adventure \(id).\n")
        }
    }
}

struct ContextCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "context", abstract: "Show the exact prompt the next reply would get, with each section's tokens.")
    @OptionGroup var savesOptions: SavesOptions
    @Option(help: "The model whose tokenizer and window to use (default: the installed model).") var model: String?
    @Option(help: "The models folder.") var models: String?
    @Argument(help: "The adventure's id (see `dungeon list`).") var id: Int64

    func run() throws {
        try reportingErrors {
            let database = try savesOptions.openExisting()
            let adventure = try database.load(id: id)
            var tokenizerFolder = Locations.assets?.appendingPathComponent("gpt2-tokenizer")
            var window = 1024
            if case .success(let folder) = ModelLocator.resolve(explicit: model, modelsFolder: Locations.models(override: models)) {
                tokenizerFolder = folder
                window = try GPT2Config(contentsOf: folder.appendingPathComponent("config.json")).contextLength
            }
            guard let tokenizerFolder else { throw ValidationError("no tokenizer found; pass --model DIR") }
            let tokenizer = try BPETokenizer(directory: tokenizerFolder)
            let recall = database.hasFullTextSearch ? database.storyIndex(for: id, adventure: adventure) : nil
            let prompt = try StoryTeller(adventure: adventure)
                .nextPrompt(counter: TokenizerCounter(tokenizer: tokenizer), window: window, recall: recall)
            writeOut("\(prompt.tokens) of \(window) tokens (\(prompt.reserved) kept for the reply); "
                     + "\(turnCount(prompt.turnsIncluded)) included, \(prompt.turnsDropped) dropped\n")
            for section in prompt.sections {
                writeOut("\n── \(section.kind.rawValue) · \(section.tokens) tokens ──\n\(section.text)")
            }
            if !prompt.recalled.isEmpty {
                let turns = prompt.recalled.map { passage in
                    (passage.turnNumber == 0 ? "the opening" : "turn \(passage.turnNumber)")
                        + " (\(passage.matched.joined(separator: ", ")))"
                }
                writeOut("\nRecalled \(turns.joined(separator: "; ")), searching for \(prompt.recallWords.joined(separator: ", ")).\n")
            }
        }
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Export an adventure to share.")
    @OptionGroup var savesOptions: SavesOptions
    @Argument(help: "The adventure's id (see `dungeon list`).") var id: Int64
    @Option(help: "md, html, txt, json, kobold (a KoboldAI save) or lorebook (the world info, for SillyTavern and KoboldAI Lite).")
    var format: String = "md"
    @Option(name: [.short, .customLong("output")], help: "The file to write (default: standard output).") var output: String?
    @Flag(help: "After the story, every other branch of its tree (md, html, txt; json always has them).")
    var allBranches = false

    func validate() throws {
        guard ExportFormat(name: format) != nil else { throw ValidationError("unknown format \(format); use md, html, txt, json, kobold or lorebook") }
    }

    func run() throws {
        try reportingErrors {
            let database = try savesOptions.openExisting()
            let adventure = try database.load(id: id)
            let lastPlayed = try database.list().first { $0.id == id }?.lastPlayed ?? Date()
            let chosen = ExportFormat(name: format)!  // validated
            let text = try AdventureExporter.export(adventure, as: chosen, date: lastPlayed, allBranches: allBranches)
            for loss in AdventureExporter.losses(adventure, in: chosen) {
                FileHandle.standardError.write(Data("Not in a \(chosen.rawValue) file: \(TextSanitizer.clean(loss)).\n".utf8))
            }
            if let output {
                try ExportFile.write(text, to: URL(fileURLWithPath: (output as NSString).expandingTildeInPath))
                FileHandle.standardError.write(Data("Wrote \(output)\n".utf8))
            } else if standardOutputIsTerminal {
                writeOut(text)
            } else {
                writeRaw(text)  // data for a file or a pipe, as the exporter wrote it
            }
        }
    }
}

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a complete copy of the save file, safely even while a game is running.")
    @OptionGroup var savesOptions: SavesOptions
    @Argument(help: "The copy to write (default: dungeon-backup-DATE.sqlite in the saves folder).") var file: String?

    func run() throws {
        try reportingErrors {
            let database = try savesOptions.openExisting()
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyyMMdd-HHmmss"
            let target = file.map { ($0 as NSString).expandingTildeInPath }
                ?? savesOptions.folder.appendingPathComponent("dungeon-backup-\(formatter.string(from: Date())).sqlite").path
            try database.backup(to: target)
            // The copy is checked as any save is before it is trusted.
            let count = try SaveDatabase(readingFrom: target)?.list().count ?? 0
            writeOut("Wrote \(target): \(count == 1 ? "1 adventure" : "\(count) adventures").\n")
        }
    }
}

enum GameSessionDates {
    static func text(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }
}

/// A plain text table with columns sized to their widest cell.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in
            min(48, all.map { DisplayWidth.of($0[column]) }.max() ?? 0)
        }
        return all.map { row in
            row.enumerated().map { column, cell in
                let clipped = DisplayWidth.of(cell) > widths[column] ? String(cell.prefix(widths[column] - 1)) + "…" : cell
                return clipped + String(repeating: " ", count: max(0, widths[column] - DisplayWidth.of(clipped)))
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n") + "\n"
    }
}
