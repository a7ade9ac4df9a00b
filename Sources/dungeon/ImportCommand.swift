import ArgumentParser
import Foundation
import Storage
import Story

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import an adventure (dungeon JSON, AI Dungeon 2, Clover Edition, KoboldAI), a character card, or a lorebook.",
        discussion: """
            A character card (V1, V2 or V3, as JSON, PNG or CHARX) is kept in the save file: start an adventure \
            from it in the new-adventure menu. A lorebook (SillyTavern World Info, lorebook_v3, NovelAI, \
            AI Dungeon Story Cards, KoboldAI Lite world info) joins an adventure with --into ID; so does a card's own lorebook.
            """)
    @OptionGroup var savesOptions: SavesOptions
    @Argument(help: "The file to import.") var file: String
    @Option(help: "Add the file's world info to the adventure with this id (see `dungeon list`).") var into: Int64?
    @Flag(help: "Say what would be imported, and what dropped, without saving anything.") var dryRun = false

    func run() throws {
        try reportingErrors {
            let url = URL(fileURLWithPath: (file as NSString).expandingTildeInPath)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw ImportError.unreadable(path: url.path)
            }
            if let into {
                try merge(data, into: into)
                return
            }
            switch try LoreImporter.read(data) {
            case .card(let card):
                let what = "\(card.format): \(card.summary)"
                if dryRun {
                    writeOut("Would keep \(what). Nothing was saved (--dry-run).\n")
                    return
                }
                let kept = try savesOptions.open().keep(card.card, format: card.format)
                writeOut(kept.isNew ? "Kept \(what).\nStart an adventure from it: New adventure, then Card: \(card.card.name).\n"
                                    : "\(card.card.name)'s card is kept already; start it from New adventure.\n")
            case .lorebook(let book):
                throw ValidationError("the file is a lorebook (\(book.format), \(book.summary)); it joins an adventure: "
                                      + "dungeon import FILE --into ID, or /world import FILE in the game")
            case nil:
                var name = url.deletingPathExtension().lastPathComponent
                if name.hasSuffix(".kobold") { name = String(name.dropLast(".kobold".count)) }  // dungeon's own export name
                let result = try AdventureImporter.read(data, fileName: name)
                let what = "\"\(result.adventure.title)\" (\(result.format) save): \(result.summary)"
                if dryRun {
                    writeOut("Would import \(what). Nothing was saved (--dry-run).\n")
                    return
                }
                let id = try savesOptions.open().create(result.adventure)
                writeOut("Imported \(what). It is adventure \(id).\n")
            }
        }
    }

    /// The file's world info into adventure `id`, under its lock (a game playing it would
    /// write its own world info back over the merge).
    private func merge(_ data: Data, into id: Int64) throws {
        let book = try LoreImporter.lorebook(from: data)
        let database = try savesOptions.open()
        let lock = try AdventureLock(folder: savesOptions.folder.path, id: id)
        defer { lock.release() }
        var adventure = try database.load(id: id)
        let before = adventure.revision
        let added = try book.merge(into: &adventure)
        let what = "world info from \(book.format) into \"\(adventure.title)\": \(book.report(added: added))"
        if dryRun {
            writeOut("Would add \(what). Nothing was saved (--dry-run).\n")
            return
        }
        if added > 0 { try database.save(adventure, id: id, since: before) }
        writeOut("Added \(what).\n")
    }
}
