import ArgumentParser
import Engine
import Foundation
import GPT2
import ModelDownload
import Storage
import Story
import TerminalUI
#if canImport(Glibc)
import Glibc
#endif

/// Where saves live: `--saves`, shared by every command that opens the save file.
struct SavesOptions: ParsableArguments {
    @Option(help: "The folder holding the save file (default: the checkout's Saves/, or ~/.local/share/dungeon/saves; DUNGEON_SAVES).")
    var saves: String?

    var folder: URL { Locations.saves(override: saves) }

    /// Opens (or creates) the save file to write to it. A story not yet indexed for recall
    /// (a save from before recall, on its first open) is indexed first, with progress.
    func open() throws -> SaveDatabase {
        var shown = false
        let database = try SaveDatabase(path: Locations.database(in: folder), progress: { done, total in
            guard total >= 500 else { return }
            shown = true
            FileHandle.standardError.write(Data("\rIndexing saved stories for recall: \(done) of \(total) turns".utf8))
        })
        if shown { FileHandle.standardError.write(Data("\n".utf8)) }
        return database
    }

    /// Opens the save file only to read it, never changing it; nil when there is none.
    func openForReading() throws -> SaveDatabase? {
        try SaveDatabase(readingFrom: folder.appendingPathComponent("dungeon.sqlite").path)
    }

    /// `openForReading`, for a command that needs an adventure to exist.
    func openExisting() throws -> SaveDatabase {
        guard let database = try openForReading() else {
            throw ValidationError("no saved adventures yet in \(folder.path)")
        }
        return database
    }
}

struct PlayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "play",
        abstract: "Play (the default command): full screen, or plain lines with --plain or when not on a terminal."
    )

    @Flag(help: "Plain line mode: no curses; one action per line of standard input.") var plain = false
    @Option(help: "A Hugging Face GPT-2 folder to play with (default: the best installed model; DUNGEON_MODEL).")
    var model: String?
    @Option(help: "The models folder (default: the checkout's Models/, or ~/.local/share/dungeon/models; DUNGEON_MODELS).")
    var models: String?
    @OptionGroup var savesOptions: SavesOptions
    @OptionGroup var backendOptions: BackendOptions
    @Option(help: "Random seed: the same seed and actions write the same story.") var seed: UInt64?
    @OptionGroup var samplers: SamplerOptions
    @Option(help: "Compute threads (default: all cores).") var threads: Int?
    @Option(help: "Weights in memory: f32, f16, q8 (8-bit) or q4 (4-bit) (default: as stored up to gpt2-medium, q8 above).")
    var precision: Precision?

    @Flag(name: .customLong("new"), help: "Start a new adventure.") var startNew = false
    @Option(help: "With --new: the scenario (fantasy, mystery, apocalypse, zombies, scifi, random).") var scenario: String?
    @Option(help: "With --scenario: the character to play.") var character: String?
    @Option(help: "With --new: your own opening text instead of a scenario.") var prompt: String?
    @Option(help: "Your name in an adventure started from a character card ({{user}}); asked when not given.") var player: String?
    @Flag(name: .customLong("continue"), help: "Continue the last adventure.") var continueLast = false
    @Option(help: "Open the adventure with this id (see `dungeon list`).") var adventure: Int64?

    func validate() throws {
        if scenario != nil && prompt != nil { throw ValidationError("use --scenario or --prompt, not both") }
        if (scenario != nil || prompt != nil) && !startNew { throw ValidationError("--scenario and --prompt go with --new") }
        if [startNew, continueLast, adventure != nil].filter({ $0 }).count > 1 {
            throw ValidationError("choose one of --new, --continue and --adventure")
        }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be between 1 and 256") }
    }

    func run() throws {
        try reportingErrors {
            try samplers.checkFlags()
            let scenarios = ScenarioLibrary.load()
            let startEffects = try startEffects(scenarios: scenarios)

            var worker: EngineWorker?
            var problem: String?
            ComputePool.configure(threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
            let modelsFolder = Locations.models(override: models)
            if let remote = try backendOptions.connect() {
                // A backend writes instead of a local model: nothing is loaded here.
                worker = EngineWorker(engine: remote)
            } else {
                switch ModelLocator.resolve(explicit: model, modelsFolder: modelsFolder) {
                case .success(let folder):
                    // A model named with --model must load; one found by searching may be reported instead.
                    do {
                        worker = EngineWorker(engine: try ModelLoading.load(folder, precision: precision))
                    } catch where model == nil {
                        problem = "The model in \(folder.path) cannot be loaded: \(error)"
                    }
                case .failure(let missing):
                    problem = missing.description
                }
            }
            let isTerminal = isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1
                && ProcessInfo.processInfo.environment["TERM"].map { $0 != "dumb" && !$0.isEmpty } ?? false
            let usePlain = plain || !isTerminal
            if usePlain, worker == nil, startEffects.contains(where: { if case .createAdventure = $0 { return true }; return false }) {
                throw ValidationError(problem ?? "no model")
            }
            // Opened (and created, the first time) only now: a start that fails above leaves
            // no saves folder and no empty save file behind.
            let database = try savesOptions.open()

            // An unknown preset is refused before the game starts (saved ones count).
            _ = try samplers.apply(to: GenerationSettings(), saved: GameSession.savedPresets(in: database))

            let (code, unsaved) = MainActor.assumeIsolated { () -> (Int32, String?) in
                let session = GameSession(database: database, savesFolder: savesOptions.folder, worker: worker, seed: seed)
                var state = AppState(width: 80, height: 24, scenarios: scenarios, modelName: worker?.modelName, modelProblem: problem)
                if worker == nil, let catalog = try? loadCatalog(), let gpt2 = catalog.model(named: "gpt2") {
                    // DUNGEON_MODEL_MIRROR points the first-run download at a mirror (the tests use a local one).
                    let mirror = ProcessInfo.processInfo.environment["DUNGEON_MODEL_MIRROR"].flatMap { $0.isEmpty ? nil : $0 }
                    session.modelDownload = (ModelInstaller(catalog: catalog, modelsFolder: modelsFolder), mirror)
                    session.precision = precision
                    state.downloadOffer = "\(gpt2.name) (\(gpt2.disk))"
                }
                state.preferences = session.loadPreferences()
                if !samplers.isEmpty {
                    // The preset and flags given override the adventure's samplers once it opens.
                    let (options, saved) = (samplers, state.preferences.savedPresets)
                    session.samplerOverride = { (try? options.apply(to: $0, saved: saved)) ?? $0 }
                }
                state.contextWindow = worker?.contextLength
                state.playerName = player
                state.tokenCountNote = worker?.tokenCountNote
                if startNew && scenario == nil && prompt == nil { state.screen = .scenarios }
                let code = usePlain
                    ? PlainApp.run(session: session, state: state, start: startEffects)
                    : CursesApp.run(session: session, state: state, start: startEffects)
                return (code, session.saveFailure)
            }
            if let unsaved {
                // Said again once the terminal is back: the screen's last notice is gone.
                printError("the adventure's last changes were not saved: \(unsaved)")
            }
            // The game is saved, the engine idle and the terminal restored. Exit without the
            // libraries' exit handlers: OpenBLAS's joins its thread pool, which can wait forever
            // on a thread that was inside BLAS when a signal ended the game.
            try? database.close()
            fflush(nil)
            _exit(unsaved == nil ? code : 1)
        }
    }

    private func startEffects(scenarios: [Scenario]) throws -> [Effect] {
        var effects: [Effect] = [.listSaves]
        if continueLast { effects.append(.openLastAdventure) }
        if let adventure { effects.append(.openAdventure(adventure)) }
        if startNew, let prompt {
            effects.append(.createAdventure(Scenario.custom(opening: prompt)))
        } else if startNew, let name = scenario {
            effects.append(.createAdventure(try Self.adventure(scenario: name, character: character, from: scenarios)))
        }
        return effects
    }

    static func adventure(scenario name: String, character: String?, from scenarios: [Scenario]) throws -> Adventure {
        let names = scenarios.map(\.id).joined(separator: ", ")
        let chosen: Scenario?
        if name.lowercased() == "random" {
            chosen = scenarios.randomElement()
        } else {
            chosen = scenarios.first { $0.id == name.lowercased() || $0.title.lowercased() == name.lowercased() }
        }
        guard let chosen else {
            throw ValidationError(scenarios.isEmpty ? "no scenarios found (is Assets/scenarios there?)"
                                                    : "unknown scenario \(name); choose from: \(names), random")
        }
        let characterName = character ?? (name.lowercased() == "random" ? chosen.characters.randomElement()?.name : nil)
        guard let adventure = chosen.adventure(character: characterName) else {
            let characters = chosen.characters.map(\.name).joined(separator: ", ")
            throw ValidationError("\(chosen.id) has no character \(character ?? ""); choose from: \(characters)")
        }
        return adventure
    }
}
