import Engine
import Foundation
import GPT2
import ModelDownload
import Storage
import Story
import TerminalUI
import Tokenizer

/// Carries out the reducer's effects: the save file, the model, exports. Shared by the
/// full-screen game and plain mode, which differ only in how they read input and show state.
@MainActor
final class GameSession {
    let database: SaveDatabase
    let savesFolder: URL
    private(set) var worker: EngineWorker?
    private var lock: AdventureLock?
    /// Where the start screen's "Download gpt2" installs to, and from (a mirror for tests).
    var modelDownload: (installer: ModelInstaller, mirror: String?)?
    /// The `--precision` the player asked for, for a model downloaded from the start screen.
    var precision: Precision?
    private let pendingWorker = PendingWorker()
    /// Why the last save failed, until one succeeds; reported on exit if the game ends so.
    private(set) var saveFailure: String?
    /// What the save file holds of the open adventure: the revision its last save wrote, so
    /// the next save writes only what changed since (nil: write it all).
    private var savedRevision: Adventure.Revision?
    /// Whether the engine reads the next prompt ahead while the player types (on unless
    /// DUNGEON_READ_AHEAD=0, for comparing).
    var readingAhead = ProcessInfo.processInfo.environment["DUNGEON_READ_AHEAD"] != "0"
    private var seeds: SplitMix64
    /// `play`'s --preset and sampler flags, applied to the adventure it opens.
    var samplerOverride: ((GenerationSettings) -> GenerationSettings)?
    /// Results of effects that finish later (streamed text, replies), posted from the worker.
    let inbox = Inbox()

    init(database: SaveDatabase, savesFolder: URL, worker: EngineWorker?, seed: UInt64?) {
        self.database = database
        self.savesFolder = savesFolder
        self.worker = worker
        self.seeds = SplitMix64(seed: seed ?? UInt64.random(in: 0...UInt64.max))
    }

    /// Reduces `action` and carries out the effects it asks for, feeding their immediate
    /// results back in, until nothing is left. Returns false once the game should end.
    @discardableResult
    func dispatch(_ action: AppAction, state: inout AppState) -> Bool {
        run([], then: [action], state: &state)
    }

    /// Carries out `effects` (the start-up ones, say), then reduces their results and `actions`.
    @discardableResult
    func run(_ effects: [Effect], then actions: [AppAction] = [], state: inout AppState) -> Bool {
        var pending = effects.flatMap { perform($0, state: state) } + actions
        var quit = effects.contains(.quit)
        while !pending.isEmpty {
            let next = pending.removeFirst()
            if case .modelReady = next, let loaded = pendingWorker.take() { worker = loaded }
            for effect in reduce(&state, next) {
                if effect == .quit { quit = true; continue }
                pending += perform(effect, state: state)
            }
        }
        return !quit
    }

    /// The preferences saved in the save file.
    func loadPreferences() -> Preferences {
        var preferences = Preferences()
        if let name = try? database.setting("theme"), let value = Theme(rawValue: name) {
            preferences.theme = value
        }
        if let keep = try? database.setting("keepPartialOnStop") { preferences.keepPartialOnStop = keep == "true" }
        if let text = try? database.setting("storyDefaults"),
           let defaults = try? JSONDecoder().decode(GenerationSettings.self, from: Data(text.utf8)), defaults.problem == nil {
            preferences.storyDefaults = defaults
        }
        if let endings = try? database.setting("detectsEndingsByDefault") { preferences.detectsEndingsByDefault = endings == "true" }
        if let name = try? database.setting("playerName") { preferences.playerName = name }
        preferences.savedPresets = Self.savedPresets(in: database)
        return preferences
    }

    /// The presets the player saved (`/preset save`); damaged ones are left out.
    nonisolated static func savedPresets(in database: SaveDatabase) -> [SamplerPreset] {
        guard let text = try? database.setting("samplerPresets"),
              let presets = try? JSONDecoder().decode([SamplerPreset].self, from: Data(text.utf8)) else { return [] }
        return presets.filter { $0.settings.problem == nil && SamplerPreset.problem(savingAs: $0.name) == nil }
    }

    /// Ends the game: stops a reply being written and waits (briefly) for the engine's
    /// thread to leave the model, then gives up the adventure's lock. Called after the
    /// last save, before the process exits.
    func finish() {
        worker?.shutdown(waitingAtMost: 3)
        lock?.release()
        lock = nil
    }

    private func perform(_ effect: Effect, state: AppState) -> [AppAction] {
        do {
            switch effect {
            case .listSaves:
                return [.savesListed(try database.list().map(Self.saved)), .cardsListed(try database.cards())]
            case .createAdventure(let template):
                // A new adventure starts with the player's defaults (from the start menu's Settings).
                var adventure = template
                adventure.settings = state.preferences.storyDefaults
                adventure.detectsEndings = adventure.detectsEndings || state.preferences.detectsEndingsByDefault
                let id = try database.create(adventure)
                try takeLock(id)
                return open(adventure, id: id)
            case .startFromCard(let id, let greeting, let player):
                return try startFromCard(id: id, greeting: greeting, player: player, state: state)
            case .importLore(let path):
                return [importLore(path, state: state)]
            case .createBranch(let adventure):
                let id = try database.create(adventure)
                try takeLock(id)
                return open(adventure, id: id) + [.notice("A new adventure, \"\(adventure.title)\", starts from that turn.", isError: false)]
            case .openAdventure(let id):
                try takeLock(id)
                return open(try database.load(id: id), id: id)
            case .openLastAdventure:
                guard let id = try database.lastAdventureID() else {
                    return [.notice("There is no saved adventure to continue yet.", isError: true)]
                }
                try takeLock(id)
                return open(try database.load(id: id), id: id)
            case .save:
                guard let adventure = state.adventure, let id = state.adventureID else { return [] }
                do {
                    try database.save(adventure, id: id, since: savedRevision)
                    savedRevision = adventure.revision
                } catch {
                    saveFailure = String(describing: error)
                    return [.saveFailed(saveFailure!)]
                }
                defer { saveFailure = nil }
                return saveFailure == nil ? [] : [.saved]
            case .generate(let keepPartial):
                guard let worker, let teller = state.teller else {
                    return [.generationFailed("no model is loaded")]
                }
                let inbox = self.inbox
                worker.generate(teller: teller, keepPartial: keepPartial, seed: seeds.next(), recall: recall(state)) { inbox.post($0) }
                return []
            case .checkAction(let text, let mode):
                return [.actionChecked(text, mode: mode, refusal: refusal(of: text, mode: mode, state: state))]
            case .stopGeneration:
                worker?.stop()
                return []
            case .measureContext:
                return [measureContext(state)]
            case .readTypedAction(let text, let mode):
                readTypedAction(text, mode: mode, state: state)
                return []
            case .closeAdventure:
                lock?.release()
                lock = nil
                return []
            case .deleteAdventure(let id):
                let probe = try AdventureLock(folder: savesFolder.path, id: id)
                defer { probe.release() }
                try database.delete(id: id)
                probe.removeFile()  // no stale lock file for an adventure that is gone
                return [.notice("Deleted.", isError: false)]
            case .renameAdventure(let id, let title):
                if id == state.adventureID {
                    // The open adventure: its next save writes the title the state holds.
                    try database.rename(id: id, title: title)
                    return [.renamed(id: id, title: title)]
                }
                let probe = try AdventureLock(folder: savesFolder.path, id: id)
                defer { probe.release() }
                try database.rename(id: id, title: title)
                return []
            case .export(let formatName, let path, let allBranches):
                return [try export(state, formatName: formatName, path: path, allBranches: allBranches)]
            case .savePreferences:
                try database.setSetting("theme", state.preferences.theme.rawValue)
                try database.setSetting("keepPartialOnStop", state.preferences.keepPartialOnStop ? "true" : "false")
                try database.setSetting("storyDefaults", String(decoding: try JSONEncoder().encode(state.preferences.storyDefaults), as: UTF8.self))
                try database.setSetting("detectsEndingsByDefault", state.preferences.detectsEndingsByDefault ? "true" : "false")
                try database.setSetting("playerName", state.preferences.playerName.isEmpty ? nil : state.preferences.playerName)
                try database.setSetting("samplerPresets", String(decoding: try JSONEncoder().encode(state.preferences.savedPresets), as: UTF8.self))
                return []
            case .searchStory(let text, let allBranches):
                guard let adventure = state.adventure, let id = state.adventureID else { return [] }
                let result = try StorySearcher.search(text, allBranches: allBranches, in: adventure,
                                                      index: database.storyIndex(for: id, adventure: adventure))
                return [.storySearched(StorySearch(query: text, allBranches: allBranches, hits: result.hits))]
            case .downloadModel:
                guard let (installer, mirror) = modelDownload else {
                    return [.downloadFailed("the model table (Assets/models.json) was not found")]
                }
                startDownload(installer: installer, mirror: mirror)
                return []
            case .quit:
                return []
            }
        } catch {
            return [.notice(String(describing: error), isError: true)]
        }
    }

    /// Downloads gpt2 on a background thread, loads it, and posts `.modelReady` (the worker
    /// is handed over when that action is dispatched, on the main thread).
    private func startDownload(installer: ModelInstaller, mirror: String?) {
        let inbox = self.inbox
        let pending = pendingWorker
        let precision = self.precision
        Thread.detachNewThread {
            do {
                let name = "gpt2"
                let folder = installer.modelsFolder.appendingPathComponent(name)
                if !ModelLocator.isModel(folder) {
                    try installer.install(name, mirror: mirror, downloader: Downloader { progress in
                        inbox.post(.downloadProgress(DownloadStatus(file: progress.file, received: progress.received,
                                                                    total: progress.total, bytesPerSecond: progress.bytesPerSecond)))
                    })
                }
                // Loaded quietly: the start screen is on the terminal, and it reports the result.
                let worker = EngineWorker(engine: try TextEngine(directory: folder, precision: precision))
                pending.put(worker)
                inbox.post(.modelReady(name: worker.modelName, window: worker.contextLength))
            } catch {
                inbox.post(.downloadFailed(String(describing: error)))
            }
        }
    }

    /// Hands an adventure just created or loaded (and locked) to the game; the file holds all of it.
    func open(_ adventure: Adventure, id: Int64) -> [AppAction] {
        savedRevision = adventure.revision
        var adventure = adventure
        if let samplerOverride {
            adventure.settings = samplerOverride(adventure.settings)
        }
        guard database.hasFullTextSearch else {
            return [.adventureOpened(id: id, adventure), .notice(Self.noRecall, isError: false)]
        }
        return [.adventureOpened(id: id, adventure)]
    }

    static let noRecall = "This SQLite has no full-text search (FTS5): recall is off, and the story plays on without it."

    func takeLock(_ id: Int64) throws {
        lock?.release()
        lock = try AdventureLock(folder: savesFolder.path, id: id)
    }

    /// Why an action can never be answered (it does not fit the window beside the memory),
    /// or nil. Other problems with the prompt are the story's, reported when it is written.
    private func refusal(of text: String, mode: ActionMode, state: AppState) -> String? {
        guard let worker, let teller = state.teller else { return nil }
        do {
            _ = try teller.prompt(forAction: text, mode: mode, counter: worker.counter,
                                  window: worker.contextLength, recall: recall(state))
        } catch let error as StoryError {
            if case .actionTooLarge = error { return error.description }
        } catch {}
        return nil
    }

    /// The prompt the next reply would get: for the pending action, or for "continue".
    /// Without a model, GPT-2's own tokenizer (bundled) and window measure it, as
    /// `dungeon context` does.
    private func measureContext(_ state: AppState) -> AppAction {
        guard let teller = state.teller else { return .contextMeasured(nil, error: nil) }
        let counter: any TokenCounter
        let window: Int
        if let worker {
            (counter, window) = (worker.counter, worker.contextLength)
        } else if let bundled = bundledTokenizer {
            (counter, window) = (TokenizerCounter(tokenizer: bundled), 1024)
        } else {
            return .contextMeasured(nil, error: "no model is loaded, and the bundled tokenizer was not found")
        }
        do {
            let prompt = try teller.nextPrompt(counter: counter, window: window, recall: recall(state))
            // The story just changed (a reply, a load, an undo, an edit): while the player reads
            // and types, read ahead everything the next prompt holds before the action.
            readingAheadWorker(state)?.readAhead(prompt.text, upcoming: prompt.upcoming)
            return .contextMeasured(prompt, error: nil)
        } catch {
            return .contextMeasured(nil, error: String(describing: error))
        }
    }

    /// The player finished a word of the action: read ahead the prompt it makes, and then
    /// the upcoming text, while the rest is typed (a newer word or Enter makes it yield).
    private func readTypedAction(_ text: String, mode: ActionMode, state: AppState) {
        guard let worker = readingAheadWorker(state), let teller = state.teller,
              let prompt = try? teller.prompt(forAction: text, mode: mode, counter: worker.counter,
                                              window: worker.contextLength, recall: recall(state)) else { return }
        worker.readAhead(prompt.text, upcoming: prompt.upcoming)
    }

    /// The worker, when it may read ahead now: reading ahead is on, a story is open, and no
    /// reply is being written or awaited.
    private func readingAheadWorker(_ state: AppState) -> EngineWorker? {
        guard let worker, readingAhead, !state.isGenerating, let teller = state.teller, !teller.awaitingReply else { return nil }
        return worker
    }

    /// Where recall searches the open adventure: the save file's full-text index (nil, and
    /// recall off, where SQLite has no FTS5).
    private func recall(_ state: AppState) -> (any StoryIndex)? {
        guard database.hasFullTextSearch, let id = state.adventureID else { return nil }
        return SavedStoryIndex(database: database, adventureID: id)
    }

    /// GPT-2's tokenizer from the bundled assets, for measuring the story without a model.
    lazy var bundledTokenizer: BPETokenizer? = Locations.bundledTokenizer()

    private func export(_ state: AppState, formatName: String, path: String?, allBranches: Bool) throws -> AppAction {
        guard let adventure = state.adventure else { return .notice("Start or load an adventure first.", isError: true) }
        guard let format = ExportFormat(name: formatName) else {
            return .notice("unknown format \(formatName); use md, html, txt, json, kobold or lorebook", isError: true)
        }
        let url: URL
        if let path {
            url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        } else {
            let folder = savesFolder.appendingPathComponent("exports")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            url = folder.appendingPathComponent("\(Self.fileName(adventure.title)).\(format.fileExtension)")
        }
        try ExportFile.write(try AdventureExporter.export(adventure, as: format, date: Date(), allBranches: allBranches), to: url)
        let losses = AdventureExporter.losses(adventure, in: format)
        return .notice("Exported to \(url.path)" + (losses.isEmpty ? "" : "; not in it: " + losses.joined(separator: ", ")), isError: false)
    }

    static func fileName(_ title: String) -> String {
        let allowed = title.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        let name = String(allowed).split(separator: "-").joined(separator: "-")
        return name.isEmpty ? "adventure" : String(name.prefix(60))
    }

    static func saved(_ summary: AdventureSummary) -> SavedAdventure {
        SavedAdventure(id: summary.id, title: summary.title, scenario: summary.scenario, turns: summary.turns,
                       lastPlayed: dateText(summary.lastPlayed))
    }

    static func dateText(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "d MMM yyyy HH:mm"
        return formatter.string(from: date)
    }
}

/// A model loaded off the main thread, waiting to be adopted by the session.
final class PendingWorker: @unchecked Sendable {
    // @unchecked: `worker` is only touched under `lock`.
    private let lock = NSLock()
    private var worker: EngineWorker?

    func put(_ value: EngineWorker) { lock.withLock { worker = value } }
    func take() -> EngineWorker? { lock.withLock { defer { worker = nil }; return worker } }
}
