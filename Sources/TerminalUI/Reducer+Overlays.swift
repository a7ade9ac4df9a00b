import Story

/// The settings overlay's rows, in order: the preset, every sampler setting, then the
/// adventure's game-over detection and the player's own preferences.
enum SettingRow: Equatable {
    case preset
    case field(SettingField.ID)
    case endings, keepPartial, theme

    static let all: [SettingRow] = [.preset] + SettingField.all.map { .field($0.name) } + [.endings, .keepPartial, .theme]
}

extension SettingField {
    public typealias ID = String
}

func handleOverlayKey(_ state: inout AppState, _ overlay: Overlay, _ key: Key) -> [Effect] {
    if key == .control("c") { return state.isGenerating ? stopGeneration(&state) : saveAndQuit(&state) }
    if overlay == .editor { return editorKey(&state, key) }
    if case .confirmDelete(let id, _) = overlay {
        state.overlay = nil
        if key == .character("y") || key == .character("Y") { return [.deleteAdventure(id), .listSaves] }
        return []
    }
    if case .confirmRemove(let list, let index, _) = overlay {
        state.overlay = list.overlay
        guard key == .character("y") || key == .character("Y"), state.teller != nil, !state.isGenerating else { return [] }
        do {
            if list == .memory { try state.teller!.forget(index + 1) } else { try state.teller!.removeWorldInfo(index + 1) }
        } catch {
            report(&state, error)
            return []
        }
        let remaining = list == .memory ? state.adventure!.memory.count : state.adventure!.worldInfo.count
        state.selection = max(0, min(index, remaining - 1))
        state.selectionShown = remaining > 0
        state.notice = Notice(text: "Deleted \(list.noun) \(index + 1).", isError: false)
        return [.save, .measureContext]
    }
    if case .confirmDeleteBranch(let turn, _) = overlay { return confirmDeleteBranchKey(&state, turn: turn, key) }
    if case .confirmSwitchBranch(let turn) = overlay { return confirmSwitchBranchKey(&state, turn: turn, key) }
    if key == .character("/"), overlay != .settings {
        // A command typed while a list is open goes to the input line, not to the list.
        state.overlay = nil
        state.editor.set("/")
        return []
    }
    if key == .escape || key == .character("q") || (key == .function(1) && overlay == .help)
        || (key == .function(2) && overlay == .tree) {
        state.overlay = nil
        state.treeView = nil
        return overlay == .settings ? [.savePreferences] : []
    }
    switch overlay {
    case .help, .context, .note:
        return scrollOrEdit(&state, overlay, key)
    case .memory:
        return listOverlay(&state, .memory, count: state.adventure?.memory.count ?? 0, key: key,
                           add: { startPrompt(&$0, .remember) },
                           edit: { startPrompt(&$0, .editMemory($1 + 1), prefill: $0.adventure!.memory[$1]) },
                           text: { $0.adventure!.memory[$1] })
    case .worldInfo:
        return listOverlay(&state, .worldInfo, count: state.adventure?.worldInfo.count ?? 0, key: key,
                           add: { startPrompt(&$0, .addWorldInfo) },
                           edit: { state, index in
                               let entry = state.adventure!.worldInfo[index]
                               let keys = (entry.alwaysOn ? "!" : "") + entry.keys.joined(separator: ", ")
                               startPrompt(&state, .editWorldInfo(index + 1), prefill: keys + ": " + entry.text)
                           },
                           text: { $0.adventure!.worldInfo[$1].text })
    case .history:
        return historyKey(&state, key)
    case .tree:
        return treeKey(&state, key)
    case .recall:
        return recallKey(&state, key)
    case .settings:
        return settingsKey(&state, key)
    case .confirmDelete, .confirmRemove, .confirmDeleteBranch, .confirmSwitchBranch, .editor:
        return []
    }
}

/// Opens the editor on a turn's reply or action (the action without its "> " marker, which
/// is the game's, not the player's). Plain mode has no overlay: it edits on one line.
func openEditor(_ state: inout AppState, _ target: EditTarget) {
    guard let adventure = state.adventure else { return }
    switch target {
    case .reply(let turn):
        guard adventure.turns.indices.contains(turn - 1) else { return }
        let text = adventure.turns[turn - 1].replyText
        if state.plainMode { return startPrompt(&state, .editReply(turn: turn), prefill: text) }
        state.textEditor = TextEditor(target: target, text: text)
    case .action(let turn):
        guard adventure.turns.indices.contains(turn - 1) else { return }
        var text = adventure.turns[turn - 1].action
        if text.hasPrefix(ActionFormatter.marker) { text.removeFirst(ActionFormatter.marker.count) }
        if state.plainMode { return startPrompt(&state, .editAction(turn: turn), prefill: text) }
        state.textEditor = TextEditor(target: target, text: text)
    case .opening:
        return  // opened from the scenario menu, before there is an adventure
    }
    state.overlay = .editor
}

/// What an edit did: changed the turn, or (when turns followed it) made an edited version
/// of it, the story after the old one kept on its own branch.
func editNotice(_ part: String, turn: Int, branched: Bool) -> String {
    branched ? "Saved the \(part) of turn \(turn) as a new version; the story after the old one stays on its branch (/alt or /tree)."
        : "Saved the \(part) of turn \(turn)."
}

/// The action line for edited text: the marker goes back on a Do or Say turn's action.
func actionLine(_ text: String, turn: Int, in adventure: Adventure) -> String {
    let mode = adventure.turns[turn - 1].mode
    guard mode == .do || mode == .say, !text.isEmpty, !text.hasPrefix(ActionFormatter.marker) else { return text }
    return ActionFormatter.marker + text
}

private func editorKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    guard var editor = state.textEditor, state.teller != nil || editor.target == .opening else {
        state.overlay = nil
        return []
    }
    if editor.target == .opening, key == .control("s") {
        let text = editor.string.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else {
            state.notice = Notice(text: "Write the opening first (Esc goes back).", isError: true)
            return []
        }
        state.overlay = nil
        state.textEditor = nil
        return [.createAdventure(Scenario.custom(opening: text))]
    }
    switch key {
    case .escape:
        state.overlay = nil
        state.textEditor = nil
        state.notice = editor.target == .opening ? nil : Notice(text: "Edit cancelled; nothing changed.", isError: false)
        return []
    case .control("s"):
        guard !state.isGenerating else {
            state.notice = Notice(text: "A reply is being written; press Esc to stop it first.", isError: false)
            return []
        }
        let text = editor.string.trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            switch editor.target {
            case .reply(let turn):
                let branched = try state.teller!.edit(turn: turn, reply: text)
                state.notice = Notice(text: editNotice("reply", turn: turn, branched: branched), isError: false)
            case .action(let turn):
                let branched = try state.teller!.edit(turn: turn, action: actionLine(text, turn: turn, in: state.adventure!))
                state.notice = Notice(text: editNotice("action", turn: turn, branched: branched), isError: false)
            case .opening:
                break  // saved above, before the adventure exists
            }
        } catch {
            report(&state, error)
            return []
        }
        state.overlay = nil
        state.textEditor = nil
        return [.save, .measureContext]
    default:
        _ = editor.handle(key)
        state.textEditor = editor
        return []
    }
}

private func scrollOrEdit(_ state: inout AppState, _ overlay: Overlay, _ key: Key) -> [Effect] {
    switch key {
    case .up, .wheelUp: state.overlayScroll = max(0, state.overlayScroll - 1)
    case .down, .wheelDown: state.overlayScroll += 1
    case .pageUp: state.overlayScroll = max(0, state.overlayScroll - max(1, state.height - 6))
    case .pageDown, .character(" "): state.overlayScroll += max(1, state.height - 6)
    case .character("e") where overlay == .note && state.teller != nil && !state.isGenerating:
        state.overlay = nil
        startPrompt(&state, .note, prefill: state.adventure?.authorsNote ?? "")
    default: break
    }
    return []
}

/// Keys in a list act on an entry only once a selection is shown (after Up or Down), and
/// deleting asks first.
private func listOverlay(
    _ state: inout AppState, _ list: ListKind, count: Int, key: Key,
    add: (inout AppState) -> Void, edit: (inout AppState, Int) -> Void, text: (AppState, Int) -> String
) -> [Effect] {
    guard state.teller != nil else { return [] }
    let selected = state.selectionShown && count > 0 ? min(state.selection, count - 1) : nil
    switch key {
    case .up, .down:
        guard count > 0 else { return [] }
        if !state.selectionShown {
            state.selectionShown = true
            state.selection = key == .up ? count - 1 : 0
        } else {
            state.selection = key == .up ? max(0, state.selection - 1) : min(count - 1, state.selection + 1)
        }
    case .character("a"):
        guard !state.isGenerating else { return [] }
        state.overlay = nil
        add(&state)
    case .character("e"), .enter:
        guard !state.isGenerating, let selected else { return [] }
        state.overlay = nil
        edit(&state, selected)
    case .character("d"), .delete:
        guard !state.isGenerating, let selected else { return [] }
        state.overlay = .confirmRemove(list, index: selected, text: text(state, selected))
    case .character("x") where list == .worldInfo:
        // Switches an entry off (kept, never shown to the model) or on again.
        guard !state.isGenerating, let selected else { return [] }
        let off = !state.adventure!.worldInfo[selected].disabled
        do {
            try state.teller!.setWorldInfoDisabled(selected + 1, off)
        } catch {
            report(&state, error)
            return []
        }
        state.notice = Notice(text: "World info entry \(selected + 1) is \(off ? "off" : "on").", isError: false)
        return [.save, .measureContext]
    default: break
    }
    return []
}

private func historyKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    guard state.teller != nil else { return [] }
    let count = state.adventure!.turns.count
    if state.isGenerating, ![Key.up, .down].contains(key) { return [] }
    do {
        switch key {
        case .up: state.selection = max(0, state.selection - 1)
        case .down: state.selection = min(max(0, count - 1), state.selection + 1)
        case .character("u"):
            try state.teller!.undo()
            state.selection = max(0, count - 2)
            return [.save, .measureContext]
        case .character("y"):
            try state.teller!.redo()
            state.selection = count
            return [.save, .measureContext]
        case .character("t"):
            guard count > 0 else { throw StoryError.nothingToRetry }
            state.overlay = nil
            return generate(&state)
        case .left, .right:
            guard count > 0 else { return [] }
            let index = min(state.selection, count - 1)
            try state.teller!.switchBranch(atTurn: index + 1, by: key == .right ? 1 : -1)
            state.notice = Notice(text: versionNotice(state.teller!, turn: index + 1), isError: false)
            return [.save, .measureContext]
        case .character("e"), .enter:
            guard count > 0 else { return [] }
            state.overlay = nil
            openEditor(&state, .reply(turn: min(state.selection, count - 1) + 1))
        case .character("a"):
            guard count > 0 else { return [] }
            state.overlay = nil
            openEditor(&state, .action(turn: min(state.selection, count - 1) + 1))
        default: break
        }
    } catch {
        report(&state, error)
    }
    return []
}

private func settingsKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    let rows = SettingRow.all
    switch key {
    case .up: state.selection = max(0, state.selection - 1)
    case .down: state.selection = min(rows.count - 1, state.selection + 1)
    case .left, .right, .enter:
        let direction = key == .left ? -1.0 : 1.0
        return adjust(&state, rows[min(state.selection, rows.count - 1)], by: direction)
    default: break
    }
    return []
}

private func adjust(_ state: inout AppState, _ row: SettingRow, by direction: Double) -> [Effect] {
    switch row {
    case .keepPartial:
        state.preferences.keepPartialOnStop.toggle()
        return [.savePreferences]
    case .theme:
        let themes = Theme.allCases
        let index = themes.firstIndex(of: state.preferences.theme) ?? 0
        state.preferences.theme = themes[(index + (direction > 0 ? 1 : themes.count - 1)) % themes.count]
        return [.savePreferences]
    default:
        break
    }
    if row == .preset {
        let current = state.adventure?.settings ?? state.preferences.storyDefaults
        let presets = SamplerPreset.builtIn + state.preferences.savedPresets
        let index = presets.firstIndex { $0.name == SamplerPreset.matching(current, saved: state.preferences.savedPresets) }
        let next = index.map { ($0 + (direction > 0 ? 1 : presets.count - 1)) % presets.count } ?? 0
        guard !state.isGenerating else { return [] }
        return apply(&state, presets[next].applied(to: current), saying: "Preset \(presets[next].name)")
    }
    guard state.teller != nil else {
        // No adventure open: the values new adventures start with.
        if row == .endings {
            state.preferences.detectsEndingsByDefault.toggle()
            return [.savePreferences]
        }
        guard let changed = adjusted(state.preferences.storyDefaults, row, by: direction) else { return [] }
        state.preferences.storyDefaults = changed
        return [.savePreferences]
    }
    guard !state.isGenerating else {
        state.notice = Notice(text: "A reply is being written; press Esc to stop it first.", isError: false)
        return []
    }
    if row == .endings {
        state.teller!.setDetectsEndings(!state.adventure!.detectsEndings)
        return [.save]
    }
    guard let settings = adjusted(state.adventure!.settings, row, by: direction) else { return [] }
    try? state.teller!.setSettings(settings)
    return [.save, .measureContext]
}

/// `settings` with one row's value stepped, or nil at a limit (where it stays) or for a
/// row ←→ cannot change (a list, which `/set` edits).
private func adjusted(_ settings: GenerationSettings, _ row: SettingRow, by direction: Double) -> GenerationSettings? {
    guard case .field(let name) = row, let field = SettingField.named(name) else { return nil }
    return field.stepped(settings, by: direction)
}
