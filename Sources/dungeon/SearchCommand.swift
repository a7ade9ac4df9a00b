import ArgumentParser
import Foundation
import Storage
import Story

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search an adventure's story: the passages that match, best first, with their turn numbers.")
    @OptionGroup var savesOptions: SavesOptions
    @Flag(help: "Search every branch of the story tree, not only the story on screen.") var all = false
    @Argument(help: "The adventure's id (see `dungeon list`).") var id: Int64
    @Argument(parsing: .remaining, help: "What to look for: \"where did I meet Håkon\".") var text: [String] = []

    func validate() throws {
        guard !text.joined().trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("say what to search for") }
    }

    func run() throws {
        try reportingErrors {
            let database = try savesOptions.openExisting()
            let adventure = try database.load(id: id)
            let query = text.joined(separator: " ")
            // A save only read is never changed: one not yet indexed is scanned instead.
            let indexed = try database.isIndexed(id)
            let result = try StorySearcher.search(query, allBranches: all, in: adventure,
                                                  index: database.storyIndex(for: id, adventure: adventure))
            guard !result.hits.isEmpty else {
                writeOut("Nothing in \(all ? "any branch of the story" : "the story") matches \"\(query)\".\n")
                return
            }
            let source = indexed ? "" : " (this save is not indexed yet, so the story was read through; playing it indexes it)"
            writeOut("Searched for \(result.words.joined(separator: ", "))\(source):\n")
            for hit in result.hits {
                let place = hit.number.map { $0 == 0 ? "opening" : "turn \($0)" } ?? "another branch"
                writeOut("\(place): \(hit.text)\n")
            }
        }
    }
}
