import Foundation
import Storage
import Story
import TerminalUI
import Tokenizer

/// The effects that bring lore in: an adventure started from a kept character card, and a
/// card's or lorebook's world info joining the open adventure.
extension GameSession {
    /// How the story is measured: the model's tokenizer and window, or GPT-2's bundled
    /// tokenizer and window without a model.
    func measure() -> (counter: any TokenCounter, window: Int)? {
        if let worker { return (worker.counter, worker.contextLength) }
        return bundledTokenizer.map { (TokenizerCounter(tokenizer: $0), 1024) }
    }

    func startFromCard(id: Int64, greeting: Int, player: String, state: AppState) throws -> [AppAction] {
        guard let stored = try database.cards().first(where: { $0.id == id }) else {
            return [.notice("That character card is no longer in the save file.", isError: true)]
        }
        guard let (counter, window) = measure() else {
            return [.notice("no model is loaded, and the bundled tokenizer was not found", isError: true)]
        }
        let settings = state.preferences.storyDefaults
        let start = CardStart(counter: counter, window: window, reserved: settings.replyLength + StoryTeller.defaultSentenceExtension)
        let result = start.adventure(from: stored.card, greeting: greeting, player: player)
        var adventure = result.adventure
        adventure.settings = settings
        adventure.detectsEndings = state.preferences.detectsEndingsByDefault
        let id = try database.create(adventure)
        try takeLock(id)
        return open(adventure, id: id) + [.notice("Started from \(stored.card.name)'s card: " + result.report.joined(separator: "; "), isError: false)]
    }

    /// `/world import FILE`: a lorebook's entries, or a card's book, for the open adventure.
    func importLore(_ path: String, state: AppState) -> AppAction {
        guard var adventure = state.adventure else { return .notice("Start or load an adventure first.", isError: true) }
        do {
            let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
            guard let data = FileManager.default.contents(atPath: url.path) else { throw ImportError.unreadable(path: url.path) }
            let book = try LoreImporter.lorebook(from: data)
            let before = adventure.worldInfo.count
            let added = try book.merge(into: &adventure)
            return .worldInfoImported(Array(adventure.worldInfo[before...]), report: "World info from \(book.format): " + book.report(added: added))
        } catch {
            return .notice(String(describing: error), isError: true)
        }
    }
}
