import Story

/// The start menu's entries for the current state.
public enum StartItem: Equatable, Sendable {
    case continueLast(SavedAdventure), download(String), new, load, settings, help, quit

    var label: String {
        switch self {
        case .continueLast(let saved): return "Continue: \(saved.title)"
        case .download(let offer): return "Download \(offer) and play"
        case .new: return "New adventure"
        case .load: return "Load adventure"
        case .settings: return "Settings"
        case .help: return "Help"
        case .quit: return "Quit"
        }
    }

    var shortcut: Character {
        switch self {
        case .continueLast: return "c"
        case .download: return "d"
        case .new: return "n"
        case .load: return "l"
        case .settings: return "s"
        case .help: return "h"
        case .quit: return "q"
        }
    }
}

func startMenu(_ state: AppState) -> [StartItem] {
    var items: [StartItem] = []
    if state.modelName == nil, state.download == nil, let offer = state.downloadOffer { items.append(.download(offer)) }
    if let last = state.saves.first { items.append(.continueLast(last)) }
    items += [.new]
    if !state.saves.isEmpty { items.append(.load) }
    return items + [.settings, .help, .quit]
}

/// Scenario menu rows: each scenario, each kept character card, then the custom and random starts.
func scenarioRows(_ state: AppState) -> [String] {
    state.scenarios.map { "\($0.title) — \($0.description)" }
        + state.cards.map { stored in
            let card = stored.card
            let about = CardText.substitute(card.description.isEmpty ? card.scenario : card.description, character: card.characterName,
                                            player: "you")
            return "Card: \(card.name) — \(firstLine(about))"
        }
        + ["Custom start: write your own opening", "Random start"]
}

/// A card's greetings, as the greeting menu lists them.
func greetingRows(_ state: AppState, card index: Int) -> [String] {
    guard state.cards.indices.contains(index) else { return [] }
    let card = state.cards[index].card
    return card.greetings.map { firstLine(CardText.secondPerson($0, character: card.characterName)) }
}

private func firstLine(_ text: String) -> String {
    text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
}

/// Starts kept card `index` with `greeting`: asks the player's name unless `--player` gave it.
func startCard(_ state: inout AppState, card index: Int, greeting: Int, player: String?) -> [Effect] {
    guard state.cards.indices.contains(index) else { return [] }
    guard let player else {
        startPrompt(&state, .playerName(card: index, greeting: greeting), prefill: state.preferences.playerName)
        return []
    }
    let name = player.trimmingCharacters(in: .whitespaces)
    var effects: [Effect] = []
    if !name.isEmpty && name != state.preferences.playerName && state.playerName == nil {
        state.preferences.playerName = name
        effects.append(.savePreferences)
    }
    return effects + [.startFromCard(id: state.cards[index].id, greeting: greeting, player: name)]
}

func handleMenuKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    let count: Int
    switch state.screen {
    case .start: count = startMenu(state).count
    case .scenarios: count = scenarioRows(state).count
    case .characters(let index): count = state.scenarios.indices.contains(index) ? state.scenarios[index].characters.count : 0
    case .greetings(let index): count = greetingRows(state, card: index).count
    case .load: count = state.saves.count
    case .play: count = 0
    }
    switch key {
    case .up, .character("k"):
        state.selection = count == 0 ? 0 : (state.selection - 1 + count) % count
        return []
    case .down, .character("j"), .tab:
        state.selection = count == 0 ? 0 : (state.selection + 1) % count
        return []
    case .escape, .backspace:
        return back(&state)
    case .control("c"):
        return saveAndQuit(&state)
    case .function(1):
        state.overlay = .help
        return []
    case .enter:
        return choose(&state, state.selection)
    case .character(let c):
        return menuShortcut(&state, c)
    default:
        return []
    }
}

private func back(_ state: inout AppState) -> [Effect] {
    switch state.screen {
    case .start: return []
    case .scenarios, .load: state.screen = .start
    case .characters, .greetings: state.screen = .scenarios
    case .play: return []
    }
    state.selection = 0
    return []
}

private func menuShortcut(_ state: inout AppState, _ c: Character) -> [Effect] {
    switch state.screen {
    case .start:
        if let index = startMenu(state).firstIndex(where: { $0.shortcut == c }) { return choose(&state, index) }
    case .load:
        guard state.saves.indices.contains(state.selection) else { return c == "q" ? back(&state) : [] }
        let saved = state.saves[state.selection]
        if c == "d" { state.overlay = .confirmDelete(id: saved.id, title: saved.title) }
        if c == "r" { startPrompt(&state, .rename(id: saved.id), prefill: saved.title) }
        if c == "q" { return back(&state) }
    case .scenarios, .characters, .greetings:
        if c == "q" { return back(&state) }
    case .play:
        break
    }
    return []
}

private func choose(_ state: inout AppState, _ index: Int) -> [Effect] {
    switch state.screen {
    case .start:
        let items = startMenu(state)
        guard items.indices.contains(index) else { return [] }
        state.selection = 0
        switch items[index] {
        case .continueLast(let saved): return [.openAdventure(saved.id)]
        case .download:
            state.download = DownloadStatus(file: "", received: 0, total: nil, bytesPerSecond: 0)
            return [.downloadModel]
        case .new:
            // Cards kept since the game started (`dungeon import` in another shell) are listed too.
            state.screen = .scenarios
            return [.listSaves]
        case .load: state.screen = .load
        case .settings: state.overlay = .settings
        case .help: state.overlay = .help
        case .quit: return saveAndQuit(&state)
        }
        return []
    case .scenarios:
        let scenarioCount = state.scenarios.count
        if index < scenarioCount {
            state.screen = .characters(scenario: index)
            state.selection = 0
        } else if index < scenarioCount + state.cards.count {
            let card = index - scenarioCount
            guard state.cards[card].card.greetings.count > 1 else { return startCard(&state, card: card, greeting: 0, player: state.playerName) }
            state.screen = .greetings(card: card)
            state.selection = 0
        } else if index == scenarioCount + state.cards.count {
            if state.plainMode {
                startPrompt(&state, .customOpening)  // a line of standard input
            } else {
                // Several paragraphs, typed or pasted, as written: the multi-line editor.
                state.textEditor = TextEditor(target: .opening, text: "")
                state.overlay = .editor
            }
        } else if scenarioCount > 0 {
            // Random start: a scenario and character picked from the selection position and
            // the number of saves, which keeps the reducer free of randomness.
            let scenario = state.scenarios[(state.saves.count * 7 + index) % scenarioCount]
            let character = scenario.characters[(state.saves.count * 3) % max(1, scenario.characters.count)]
            if let adventure = scenario.adventure(character: character.name) { return [.createAdventure(adventure)] }
        }
        return []
    case .characters(let scenarioIndex):
        guard state.scenarios.indices.contains(scenarioIndex) else { return [] }
        let scenario = state.scenarios[scenarioIndex]
        guard scenario.characters.indices.contains(index),
              let adventure = scenario.adventure(character: scenario.characters[index].name) else { return [] }
        return [.createAdventure(adventure)]
    case .greetings(let card):
        return startCard(&state, card: card, greeting: index, player: state.playerName)
    case .load:
        guard state.saves.indices.contains(index) else { return [] }
        return [.openAdventure(state.saves[index].id)]
    case .play:
        return []
    }
}

/// The rows of the current menu screen, as the renderer and plain mode show them.
public func menuRows(_ state: AppState) -> [String] {
    switch state.screen {
    case .start: return startMenu(state).map(\.label)
    case .scenarios: return scenarioRows(state)
    case .characters(let index):
        return state.scenarios.indices.contains(index) ? state.scenarios[index].characters.map { $0.name.capitalized } : []
    case .greetings(let index): return greetingRows(state, card: index)
    case .load: return state.saves.map { "\($0.title) · \($0.scenario) · \($0.turns) turns · \($0.lastPlayed)" }
    case .play: return []
    }
}
