import ArgumentParser
import Foundation
import Storage
import Story

struct CardsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cards", abstract: "List the character cards kept in the save file (`dungeon import` keeps one), or delete one.")
    @OptionGroup var savesOptions: SavesOptions
    @Option(help: "Delete the card with this id (adventures started from it stay).") var delete: Int64?

    func run() throws {
        try reportingErrors {
            if let delete {
                let database = try savesOptions.open()
                guard let card = try database.cards().first(where: { $0.id == delete }) else {
                    throw ValidationError("there is no card \(delete); `dungeon cards` lists them")
                }
                try database.deleteCard(id: delete)
                writeOut("Deleted \(card.card.name)'s card.\n")
                return
            }
            let cards = try savesOptions.openForReading()?.cards() ?? []
            guard !cards.isEmpty else {
                writeOut("No character cards yet. `dungeon import CARD.png` keeps one.\n")
                return
            }
            let rows = cards.map { stored in
                [String(stored.id), stored.card.name, stored.format, String(stored.card.greetings.count), String(stored.card.book.count)]
            }
            writeOut(Table.render(header: ["ID", "NAME", "FORMAT", "GREETINGS", "WORLD INFO"], rows: rows))
        }
    }
}
