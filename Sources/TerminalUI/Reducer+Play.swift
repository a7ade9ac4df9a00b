import Foundation
import Story

func handlePlayKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    switch key {
    case .escape:
        if state.isGenerating { return stopGeneration(&state) }
        state.editor.stash()  // Up brings it back
        return []
    case .control("c"):
        return state.isGenerating ? stopGeneration(&state) : saveAndQuit(&state)
    case .tab, .backTab:
        state.mode = key == .tab ? state.mode.next : state.mode.next.next
        return []
    case .pageUp, .wheelUp:
        let step = key == .pageUp ? max(1, storyHeight(state) - 2) : 3
        state.scroll = min(maxScroll(state), state.scroll + step)
        return []
    case .pageDown, .wheelDown:
        let step = key == .pageDown ? max(1, storyHeight(state) - 2) : 3
        state.scroll = max(0, state.scroll - step)
        return []
    case .function(1):
        state.overlay = .help
        state.overlayScroll = 0
        return []
    case .function(2):
        openTree(&state)
        return []
    case .enter:
        if state.isGenerating {
            state.notice = Notice(text: "A reply is being written; press Esc to stop it.", isError: false)
            return []
        }
        let line = state.editor.submit()
        state.typedAhead = ""
        return submit(&state, line)
    default:
        _ = state.editor.handle(key)
        return readTypedWords(&state)
    }
}

/// When the action line's finished words (up to its last space) change, asks the runtime to
/// read the prompt they make, so that Enter costs the model the last word rather than the
/// whole action and the world info it triggers. Not for a command, nor while a reply is written.
func readTypedWords(_ state: inout AppState) -> [Effect] {
    guard state.purpose == .action, !state.isGenerating, state.teller != nil, state.modelName != nil else { return [] }
    let line = String(state.editor.text)
    let finished = line.lastIndex(of: " ").map { String(line[..<$0]).trimmingCharacters(in: .whitespaces) } ?? ""
    guard finished != state.typedAhead else { return [] }
    state.typedAhead = finished
    let (text, mode) = typedAction(finished, mode: state.mode)
    guard !finished.hasPrefix("/"), mode != .continue, ActionFormatter.hasWords(text) else { return [] }
    return [.readTypedAction(text, mode: mode)]
}

/// A trimmed line's action and mode: in Do, a leading quotation mark makes the line speech
/// and a leading "!" narration (as in Clover Edition), plain mode's way to Say and Story and
/// a shortcut on screen; an empty line lets the story continue.
func typedAction(_ trimmed: String, mode: ActionMode) -> (text: String, mode: ActionMode) {
    guard !trimmed.isEmpty else { return (trimmed, .continue) }
    guard mode == .do, let first = trimmed.first else { return (trimmed, mode) }
    if first == "\"" || first == "“" { return (trimmed, .say) }
    if first == "!" { return (String(trimmed.dropFirst()).trimmingCharacters(in: .whitespaces), .story) }
    return (trimmed, mode)
}

/// A submitted line: a slash command, or an action in the current mode.
func submit(_ state: inout AppState, _ line: String) -> [Effect] {
    let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
    if trimmed.hasPrefix("/") { return runCommand(&state, trimmed) }
    guard state.teller != nil else { return [] }
    if let reason = state.unsavedReason {
        // Saved before shown: the story does not run ahead of the save file.
        state.notice = Notice(text: "The story so far is not saved (\(reason)); /save first.", isError: true)
        return []
    }
    guard state.modelName != nil else {
        state.notice = Notice(text: state.modelProblem ?? "no model is loaded", isError: true)
        return []
    }
    let (text, mode) = typedAction(trimmed, mode: state.mode)
    // A prefix, quotation marks or punctuation alone: say so, and leave the line to finish.
    if mode != .continue && !ActionFormatter.hasWords(text) {
        state.editor.set(trimmed)
        let what = switch mode {
        case .say: "Nothing to say yet: write the words after the quotation mark."
        case .story: trimmed.hasPrefix("!") ? "Nothing to tell yet: write the narration after the !." : "Nothing to tell yet: write what happens."
        default: "Nothing to do yet: write what you do."
        }
        state.notice = Notice(text: what, isError: true)
        return []
    }
    // The runtime first measures it against the model's window (`.actionChecked`), so an
    // action that can never be answered is refused before it becomes a turn.
    return [.checkAction(text, mode: mode)]
}

/// A checked action: taken (saved, then answered), or refused and given back for editing.
func takeAction(_ state: inout AppState, _ text: String, mode: ActionMode, refusal: String?) -> [Effect] {
    if let refusal {
        state.editor.set(text)
        state.notice = Notice(text: refusal, isError: true)
        return []
    }
    do {
        try state.teller!.act(text, mode: mode)
    } catch {
        report(&state, error)
        return []
    }
    state.scroll = 0
    state.generation = Generation()
    return [.save, .generate(keepPartial: state.preferences.keepPartialOnStop)]
}

func generate(_ state: inout AppState) -> [Effect] {
    if let reason = state.unsavedReason {
        state.notice = Notice(text: "The story so far is not saved (\(reason)); /save first.", isError: true)
        return []
    }
    guard state.modelName != nil else {
        state.notice = Notice(text: state.modelProblem ?? "no model is loaded", isError: true)
        return []
    }
    state.scroll = 0
    state.generation = Generation()
    return [.generate(keepPartial: state.preferences.keepPartialOnStop)]
}

/// The story pane's height for the current window: less the input line, the status bar
/// and, while there is one, the notice's row.
func storyHeight(_ state: AppState) -> Int {
    max(1, state.height - 2 - noticeLines(state).count)
}

/// The notice, wrapped to the window: at most two rows, so a long one is read whole.
func noticeLines(_ state: AppState) -> [String] {
    guard let notice = state.notice else { return [] }
    let lines = WordWrap.lines(notice.text, width: max(1, state.width - 2))
    guard lines.count > 2 else { return lines }
    return [lines[0], DisplayWidth.truncate(lines[1...].joined(separator: " "), to: max(1, state.width - 2))]
}

/// How far the story can be scrolled up: its wrapped height less one screen.
func maxScroll(_ state: AppState) -> Int {
    guard state.screen == .play else { return 0 }
    let lines = StoryLayout.lines(for: state, width: state.width, limit: nil).count
    return max(0, lines - storyHeight(state))
}
