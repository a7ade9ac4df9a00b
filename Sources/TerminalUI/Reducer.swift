import Foundation
import Story

/// The game's rules for input: a pure function from state and action to the new state
/// and the effects the runtime must carry out. No terminal, clock, file or model here.
public func reduce(_ state: inout AppState, _ action: AppAction) -> [Effect] {
    switch action {
    case .resize(let width, let height):
        state.width = max(0, width)
        state.height = max(0, height)
        state.scroll = min(state.scroll, maxScroll(state))
        return []
    case .interrupt:
        if state.isGenerating { return stopGeneration(&state) }
        return saveAndQuit(&state)
    case .terminate:
        return saveAndQuit(&state)
    case .key(let key):
        if !(state.isGenerating && key != .escape) { state.notice = nil }
        // Each list keeps its own cursor: a menu's is put back when an overlay over it closes.
        let (overlayBefore, selectionBefore) = (state.overlay, state.selection)
        let effects = handleKey(&state, key)
        if overlayBefore == nil, state.overlay != nil, state.screen != .play {
            state.selectionUnderOverlay = selectionBefore
        } else if overlayBefore != nil, state.overlay == nil, let saved = state.selectionUnderOverlay {
            state.selection = saved
            state.selectionUnderOverlay = nil
        }
        return effects
    case .paste(let text):
        if state.overlay == nil { state.editor.insert(text) }
        if state.overlay == .editor { state.textEditor?.insert(text) }
        return []
    case .line(let text):
        state.editor.set(text)
        return handleKey(&state, .enter)

    case .savesListed(let saves):
        state.saves = saves
        if state.screen == .load { state.selection = min(state.selection, max(0, saves.count - 1)) }
        if state.screen == .start { state.selection = min(state.selection, startMenu(state).count - 1) }
        return []
    case .cardsListed(let cards):
        state.cards = cards
        return []
    case .worldInfoImported(let entries, let report):
        guard state.teller != nil else { return [] }
        for entry in entries { state.teller!.addWorldInfo(entry) }
        state.notice = Notice(text: report, isError: false)
        return entries.isEmpty ? [] : [.save, .measureContext]
    case .adventureOpened(let id, let adventure):
        state.teller = StoryTeller(adventure: adventure)
        state.adventureID = id
        state.tokensPerSecond = nil  // the rate belongs to the adventure on screen
        state.screen = .play
        state.overlay = nil
        state.purpose = .action
        state.scroll = 0
        state.contextPrompt = nil
        // An action left without its reply (the game ended while writing it) is taken back.
        if takeBack(&state) {
            state.notice = Notice(text: "Your last action got no reply before the game ended; it was taken back.", isError: false)
            return [.save, .measureContext]
        }
        return [.measureContext]
    case .promptProgress(let done, let total):
        state.generation?.promptRead = Generation.PromptRead(done: done, total: total)
        return []
    case .streamed(let piece):
        if let clean = state.generation?.sanitizer.push(piece) { state.generation?.streamed += clean }
        return []
    case .replyFinished(let teller, let outcome):
        state.generation = nil
        state.teller = teller
        // A stopped reply's rate is not a rate (a few tokens over a moment).
        if !outcome.cancelled && outcome.tokensPerSecond > 0 { state.tokensPerSecond = outcome.tokensPerSecond }
        state.scroll = 0
        if outcome.cancelled {
            if takeBack(&state) {
                state.notice = Notice(text: "Stopped. Your action was taken back: send it again or change it.", isError: false)
                return [.save, .measureContext]
            }
            state.notice = Notice(text: outcome.reply == nil ? "Stopped; the new reply was discarded." : "Stopped; the partial reply was kept.", isError: false)
        } else if outcome.repetitive {
            let report = guardReport(outcome.rejections, kept: false)
            state.notice = Notice(text: (report.isEmpty ? "" : report + " ") + loopAdvice(teller.adventure.settings), isError: true)
        } else if let ending = outcome.ending {
            state.notice = Notice(text: StoryError.adventureEnded(ending).description, isError: false)
        } else if !outcome.rejections.isEmpty {
            state.notice = Notice(text: guardReport(outcome.rejections, kept: true), isError: false)
        }
        return outcome.reply == nil ? [.measureContext] : [.save, .measureContext]
    case .generationFailed(let message):
        state.generation = nil
        state.notice = Notice(text: message, isError: true)
        let hadAction = !(state.teller?.adventure.turns.last?.input.isEmpty ?? true)
        if takeBack(&state) {
            // An empty Enter had no action to take back: the story simply did not go on.
            state.notice = Notice(text: message + (hadAction ? "; your action was taken back" : "; the story did not go on"), isError: true)
            return [.save, .measureContext]
        }
        return [.measureContext]
    case .contextMeasured(let prompt, let error):
        state.contextPrompt = prompt
        state.contextUsed = prompt?.tokens
        state.contextWindow = prompt?.window ?? state.contextWindow
        if let error { state.notice = Notice(text: error, isError: true) }
        return []
    case .notice(let text, let isError):
        state.notice = Notice(text: text, isError: isError)
        return []
    case .downloadProgress(let status):
        state.download = status
        return []
    case .modelReady(let name, let window):
        state.download = nil
        state.modelName = name
        state.modelProblem = nil
        state.contextWindow = window
        state.notice = Notice(text: "\(name) is ready. Start a new adventure!", isError: false)
        state.selection = 0
        return []
    case .actionChecked(let text, let mode, let refusal):
        guard state.teller != nil, !state.isGenerating else { return [] }
        return takeAction(&state, text, mode: mode, refusal: refusal)
    case .saveFailed(let reason):
        state.unsavedReason = reason
        state.notice = Notice(text: "Not saved: \(reason). /save tries again.", isError: true)
        return []
    case .saved:
        state.unsavedReason = nil
        state.notice = Notice(text: "Saved.", isError: false)
        return []
    case .renamed(let id, let title):
        if state.adventureID == id { state.teller?.rename(title) }
        return []
    case .storySearched(let search):
        showSearch(&state, search)
        return []
    case .downloadFailed(let message):
        state.download = nil
        state.notice = Notice(text: message, isError: true)
        return []
    }
}

func handleKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    if state.isTooSmall {
        // Only Ctrl-C: a player resizing while typing must not quit by a letter.
        return key == .control("c") ? saveAndQuit(&state) : []
    }
    if let overlay = state.overlay { return handleOverlayKey(&state, overlay, key) }
    if state.purpose != .action { return handlePromptKey(&state, key) }
    switch state.screen {
    case .play: return handlePlayKey(&state, key)
    case .start, .scenarios, .characters, .greetings, .load: return handleMenuKey(&state, key)
    }
}

/// What the loop guard did: how many replies it turned down and why, and what it did then.
func guardReport(_ rejections: [ReplyRejection], kept: Bool) -> String {
    guard !rejections.isEmpty else { return "" }
    let reasons = rejections.map(\.reason).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    let count = rejections.count == 1 ? "1 reply" : "\(rejections.count) replies"
    return "The loop guard turned down \(count) (\(reasons.joined(separator: "; "))) and "
        + (kept ? "wrote again with stronger anti-repetition." : "kept the best it got.")
}

/// What to tell the player when replies still loop after the retries: the setting that
/// would help most, with the command that changes it.
func loopAdvice(_ settings: GenerationSettings) -> String {
    let start = "The story keeps repeating itself"
    if settings.temperature < 0.5 {
        return "\(start): the temperature (\(settings.temperature)) is low; try /set temperature 0.8"
    }
    if settings.dryMultiplier == 0 {
        return "\(start): DRY is off; /preset dry turns it on (or /set dry-multiplier 0.8)"
    }
    if settings.repetitionPenalty < 1.1 && settings.presencePenalty < 0.5 {
        return "\(start): try a stronger penalty, e.g. /set presence 0.6 or /set repetition 1.15"
    }
    return "\(start); try a different action, /retry, or /set temperature \(min(1.5, settings.temperature + 0.2))"
}

/// Takes back an action that got no reply into the input line, unless the player has typed
/// something since. Returns whether there was one.
///
/// The mode stays as it is: a prefix applies to its own line only. In Do, the line comes back
/// with the prefix that sends it again as it was (`!` for narration, a quotation mark for
/// speech); only an action no prefix can write in the current mode brings its mode back.
func takeBack(_ state: inout AppState) -> Bool {
    guard let turn = state.teller?.takeBackUnansweredAction() else { return false }
    var line = turn.input
    if turn.mode != state.mode && turn.mode != .continue {
        switch (state.mode, turn.mode) {
        case (.do, .story): line = "!" + line
        case (.do, .say): if !(line.first == "\"" || line.first == "“") { line = "\"" + line }
        default: state.mode = turn.mode
        }
    }
    if state.editor.isEmpty { state.editor.set(line) }
    return true
}

func stopGeneration(_ state: inout AppState) -> [Effect] {
    guard state.generation?.stopping == false else { return [] }
    state.generation?.stopping = true
    return [.stopGeneration]
}

func saveAndQuit(_ state: inout AppState) -> [Effect] {
    state.quitting = true
    var effects: [Effect] = []
    if state.isGenerating { effects.append(.stopGeneration) }
    if state.adventureID != nil { effects.append(.save) }
    return effects + [.quit]
}

/// Shows a notice for a rule the story refused.
func report(_ state: inout AppState, _ error: Error) {
    let text = (error as? StoryError)?.description ?? "\(error)"
    state.notice = Notice(text: text, isError: true)
}

// MARK: Prompts (the input line used for something other than an action)

func startPrompt(_ state: inout AppState, _ purpose: InputPurpose, prefill: String = "") {
    state.purpose = purpose
    state.editor.set(prefill)
}

func handlePromptKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    switch key {
    case .escape:
        state.purpose = .action
        state.editor.clear()
        return []
    case .enter:
        let text = state.editor.submit(remembering: false).trimmingCharacters(in: .whitespacesAndNewlines)
        let purpose = state.purpose
        state.purpose = .action
        return applyPrompt(&state, purpose, text)
    default:
        _ = state.editor.handle(key)
        return []
    }
}

private func applyPrompt(_ state: inout AppState, _ purpose: InputPurpose, _ text: String) -> [Effect] {
    if case .customOpening = purpose {
        guard !text.isEmpty else { return [] }
        return [.createAdventure(Scenario.custom(opening: text))]
    }
    if case .playerName(let card, let greeting) = purpose {
        return startCard(&state, card: card, greeting: greeting, player: text)
    }
    if case .rename(let id) = purpose {
        guard !text.isEmpty else { return [] }
        return [.renameAdventure(id, text), .listSaves]
    }
    guard state.teller != nil else { return [] }
    do {
        switch purpose {
        case .remember: state.teller!.remember(text)
        case .editMemory(let n):
            if text.isEmpty { try state.teller!.forget(n) } else { try state.teller!.editMemory(n, text: text) }
        case .addWorldInfo:
            guard let entry = parseWorldInfo(text) else { return noticeBadWorldInfo(&state) }
            state.teller!.addWorldInfo(entry)
        case .editWorldInfo(let n):
            if text.isEmpty { try state.teller!.removeWorldInfo(n); break }
            guard let entry = parseWorldInfo(text) else { return noticeBadWorldInfo(&state) }
            try state.teller!.editWorldInfo(n, entry: entry)
        case .note: state.teller!.setAuthorsNote(text)
        case .editAction(let n):
            guard state.adventure!.turns.indices.contains(n - 1) else { throw StoryError.noSuchTurn(n) }
            let branched = try state.teller!.edit(turn: n, action: actionLine(text, turn: n, in: state.adventure!))
            state.notice = Notice(text: editNotice("action", turn: n, branched: branched), isError: false)
        case .editReply(let n):
            let branched = try state.teller!.edit(turn: n, reply: text)
            state.notice = Notice(text: editNotice("reply", turn: n, branched: branched), isError: false)
        case .action, .customOpening, .rename, .playerName: return []
        }
    } catch {
        report(&state, error)
        return []
    }
    return [.save, .measureContext]
}

/// "dragon, wyrm: Dragons hoard gold." -> keys and text. "!" before the keys makes it always on.
func parseWorldInfo(_ text: String) -> WorldInfoEntry? {
    guard let colon = text.firstIndex(of: ":") else { return nil }
    var keysText = String(text[..<colon])
    let alwaysOn = keysText.hasPrefix("!")
    if alwaysOn { keysText.removeFirst() }
    let keys = keysText.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    let body = String(text[text.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
    guard !body.isEmpty, alwaysOn || !keys.isEmpty else { return nil }
    return WorldInfoEntry(keys: keys, text: body, alwaysOn: alwaysOn)
}

private func noticeBadWorldInfo(_ state: inout AppState) -> [Effect] {
    state.notice = Notice(text: "write world info as: keys, more keys: the text (start with ! for always on)", isError: true)
    return []
}
