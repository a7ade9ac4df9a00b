import Foundation
import Story

/// The lines an overlay shows, with the index of the selectable line highlighted.
public struct OverlayContent {
    public var title: String
    public var lines: [StyledLine]
    public var hint: String
    /// Line index to highlight, for list overlays.
    public var selected: Int?
    /// Where the terminal cursor goes (the editor): a line index and a column.
    public var cursor: (line: Int, column: Int)? = nil
    /// Rows to keep for the content even when it is shorter (the editor grows into them).
    public var minimumHeight = 1
}

func drawOverlay(_ state: AppState, _ overlay: Overlay, _ buffer: inout ScreenBuffer) {
    let width = min(state.width - 2, 78)
    let innerWidth = max(1, width - 4)
    let content = overlayContent(state, overlay, width: innerWidth)
    let maxInner = max(1, state.height - 4)
    let innerHeight = min(maxInner, max(content.minimumHeight, content.lines.count))
    let left = (state.width - width) / 2
    let top = max(0, (state.height - innerHeight - 2) / 2)

    // Scroll: list overlays follow the selection, text overlays use overlayScroll.
    var first = min(state.overlayScroll, max(0, content.lines.count - innerHeight))
    if let selected = content.selected {
        first = max(0, min(selected - innerHeight / 2, content.lines.count - innerHeight))
    }
    if let cursor = content.cursor {
        first = max(0, cursor.line - innerHeight + 1)
        buffer.cursor = (left + 2 + cursor.column, top + 1 + cursor.line - first)
    }
    let horizontal = String(repeating: "─", count: max(0, width - 2))
    buffer.write("┌" + horizontal + "┐", x: left, y: top, role: .frame)
    buffer.write(" " + content.title + " ", x: left + 2, y: top, role: .title, maxX: left + width - 2)
    for row in 0..<innerHeight {
        let y = top + 1 + row
        buffer.fill(y: y, from: left, to: left + width, role: .normal)
        buffer.write("│", x: left, y: y, role: .frame)
        buffer.write("│", x: left + width - 1, y: y, role: .frame)
        let index = first + row
        guard index < content.lines.count else { continue }
        let line = content.lines[index]
        let selected = index == content.selected
        if selected { buffer.fill(y: y, from: left + 1, to: left + width - 1, role: .selected) }
        buffer.write(line.text, x: left + 2, y: y, role: selected ? .selected : line.role, maxX: left + width - 2)
    }
    let bottom = top + innerHeight + 1
    buffer.write("└" + horizontal + "┘", x: left, y: bottom, role: .frame)
    buffer.write(" " + content.hint + " ", x: left + 2, y: bottom, role: .dim, maxX: left + width - 2)
}

/// Wrapped text; `indent` starts the first line and blanks of its width start the others.
func wrapped(_ text: String, width: Int, role: Role = .normal, indent: String = "") -> [StyledLine] {
    let hanging = String(repeating: " ", count: DisplayWidth.of(indent))
    return WordWrap.lines(text, width: max(1, width - hanging.count)).enumerated().map {
        StyledLine(text: ($0.offset == 0 ? indent : hanging) + $0.element, role: role)
    }
}

public func overlayContent(_ state: AppState, _ overlay: Overlay, width: Int) -> OverlayContent {
    let adventure = state.adventure
    switch overlay {
    case .help:
        // Plain mode has lines, not keys: its help lists only what it has.
        let (heading, entries, column): (String, [(String, String)], Int) = state.plainMode
            ? ("Lines", [("text", "an action: Do (\"open the door\" becomes \"You open the door.\")"),
                         ("\"text", "Say: speech, as in: \"Who goes there?\" I ask"), ("!text", "Story: narration, as written"),
                         ("(empty)", "let the story continue"), ("Ctrl-C", "stop a reply; otherwise save and quit"),
                         ("end of input", "save and quit")], 14)
            : ("Keys", [("Enter", "do, say or narrate what you typed (empty: continue)"), ("Tab", "switch Do / Say / Story"),
                        ("\" !", "at the start of a Do line: say it, or narrate it"),
                        ("Esc", "stop a reply being written"), ("Ctrl-C", "stop a reply; otherwise save and quit"),
                        ("PgUp PgDn", "scroll the story (or the mouse wheel)"), ("Up Down", "input history"),
                        ("Ctrl-A E", "start / end of line"), ("Ctrl-K U W", "cut to end / to start / a word"),
                        ("F2", "the story tree: every branch, to browse and switch"), ("F1", "this help")], 12)
        var lines: [StyledLine] = [StyledLine(text: heading, role: .title)]
        for (key, text) in entries { lines += wrapped(text, width: width, indent: key.padding(column)) }
        lines.append(StyledLine(text: "", role: .normal))
        lines.append(StyledLine(text: "Commands", role: .title))
        for (name, text) in slashCommands { lines += wrapped(text, width: width, indent: name.padding(22)) }
        return OverlayContent(title: "Help", lines: lines, hint: state.plainMode ? "" : "↑↓ scroll · Esc close", selected: nil)
    case .memory:
        let memory = adventure?.memory ?? []
        var lines = memory.enumerated().map { StyledLine(text: "\($0.offset + 1). \($0.element)", role: .normal) }
        if lines.isEmpty {
            let how = state.plainMode ? "/remember TEXT pins one." : "Press a to add, or /remember TEXT."
            lines = [StyledLine(text: "Nothing pinned yet. " + how, role: .dim)]
        }
        return OverlayContent(title: "Memory", lines: lines, hint: listHint(state, count: memory.count),
                              selected: memory.isEmpty || !state.selectionShown ? nil : min(state.selection, memory.count - 1))
    case .worldInfo:
        let entries = adventure?.worldInfo ?? []
        var lines = entries.enumerated().map { index, entry in
            // A disabled entry (from a KoboldAI import) is listed, dimmed, but never reaches the model.
            return StyledLine(text: "\(index + 1). [\(worldInfoMatching(entry))]\(entry.disabled ? " (off)" : "") \(entry.text)",
                              role: entry.disabled ? .dim : .normal)
        }
        if lines.isEmpty {
            let how = state.plainMode ? "/world KEYS: TEXT adds one." : "Press a to add: keys, more keys: the text."
            lines = [StyledLine(text: "No world info yet. " + how, role: .dim)]
        }
        return OverlayContent(title: "World info", lines: lines, hint: listHint(state, count: entries.count, toggles: true),
                              selected: entries.isEmpty || !state.selectionShown ? nil : min(state.selection, entries.count - 1))
    case .note:
        let note = adventure?.authorsNote ?? ""
        let lines = note.isEmpty
            ? [StyledLine(text: state.plainMode ? "No author's note. /note TEXT writes one." : "No author's note. Press e to write one.", role: .dim)]
            : wrapped(note, width: width)
        return OverlayContent(title: "Author's note", lines: lines, hint: "e edit · Esc close", selected: nil)
    case .context:
        guard let prompt = state.contextPrompt else {
            return OverlayContent(title: "Context", lines: [StyledLine(text: "Measuring…", role: .dim)], hint: "Esc close", selected: nil)
        }
        var lines = wrapped("\(prompt.tokens) of \(prompt.window) tokens, \(prompt.reserved) kept for the reply; "
                            + "\(prompt.turnsIncluded) turns in, \(prompt.turnsDropped) dropped", width: width, role: .notice)
        if let note = state.tokenCountNote { lines += wrapped(note, width: width, role: .dim) }
        for section in prompt.sections {
            lines.append(StyledLine(text: "", role: .normal))
            lines.append(StyledLine(text: "── \(section.kind.rawValue) · \(section.tokens) tokens", role: .title))
            lines += wrapped(section.text.trimmingCharacters(in: .whitespacesAndNewlines), width: width,
                             role: section.kind == .action ? .action : .normal)
        }
        return OverlayContent(title: "Context inspector", lines: lines, hint: "↑↓ PgUp PgDn scroll · Esc close", selected: nil)
    case .history:
        let turns = adventure?.turns ?? []
        var lines = turns.enumerated().map { index, turn in
            let action = turn.action.isEmpty ? "(continue)" : turn.action
            let position = state.teller?.position(ofTurn: index + 1)
            let versions = position.map { $0.count > 1 ? "  [\($0.index + 1)/\($0.count)]" : "" } ?? ""
            // One row a turn: the reply's paragraph breaks become spaces, not words run together.
            let reply = turn.replyText.split(whereSeparator: \.isNewline).joined(separator: " ")
            return StyledLine(text: "\(index + 1). \(action)\(versions) — \(reply)", role: .normal)
        }
        if lines.isEmpty { lines = [StyledLine(text: "No turns yet.", role: .dim)] }
        let redoCount = adventure?.tree.redoCount ?? 0
        let redo = redoCount == 0 ? "" : " · y redo (\(redoCount))"
        return OverlayContent(title: "History", lines: lines,
                              hint: "u undo\(redo) · t retry · ←→ versions · e edit reply · a edit action · Esc",
                              selected: turns.isEmpty ? nil : min(state.selection, turns.count - 1))
    case .tree:
        return treeContent(state)
    case .recall:
        return recallContent(state, width: width)
    case .confirmSwitchBranch:
        return confirmSwitchBranchContent(width: width)
    case .confirmDeleteBranch(_, let count):
        let turns = count == 1 ? "1 turn" : "\(count) turns"
        return OverlayContent(title: "Delete branch",
                              lines: wrapped("Delete this branch (\(turns)) for good? y deletes, any other key keeps it.", width: width),
                              hint: "y / n", selected: nil)
    case .settings:
        let settings = adventure?.settings ?? state.preferences.storyDefaults
        let endings = adventure?.detectsEndings ?? state.preferences.detectsEndingsByDefault
        let preset = SamplerPreset.matching(settings, saved: state.preferences.savedPresets) ?? "(your own)"
        let values: [(String, String)] = [("Preset", preset)]
            + SettingField.all.map { ($0.label, $0.read(settings)) }
            + [
                ("Detect game over / victory", endings ? "on" : "off"),
                ("Keep partial reply on stop", state.preferences.keepPartialOnStop ? "on" : "off"),
                ("Theme", state.preferences.theme.rawValue),
            ]
        // A long value (the sampler order, a list of bans) ends in "…" at the frame, not mid-word.
        var lines = values.map { StyledLine(text: $0.0.padding(30) + DisplayWidth.truncate($0.1, to: max(1, width - 31)), role: .normal) }
        lines.append(StyledLine(text: "", role: .normal))
        lines += wrapped(adventure == nil
                         ? "No adventure is open: the samplers are what new adventures start with. The last two are yours everywhere. Lists (breakers, bans, bias, order) change with /set NAME VALUE."
                         : "The samplers and game over detection belong to this adventure; the last two are yours everywhere. /set NAME VALUE changes any of them (lists too); /preset save NAME keeps these samplers.",
                         width: width).map { StyledLine(text: $0.text, role: .dim) }
        return OverlayContent(title: "Settings", lines: lines, hint: "↑↓ choose · ←→ change · Esc close",
                              selected: min(state.selection, values.count - 1))
    case .editor:
        guard let editor = state.textEditor else { return OverlayContent(title: "Edit", lines: [], hint: "Esc", selected: nil) }
        let (rows, cursor) = editor.rows(width: max(1, width - 1))
        return OverlayContent(title: editor.target.title, lines: rows.map { StyledLine(text: $0, role: .normal) },
                              hint: "Enter new line · Ctrl-S save · Esc cancel", selected: nil,
                              cursor: (cursor.row, cursor.column), minimumHeight: 10)
    case .confirmRemove(let list, let index, let text):
        return OverlayContent(title: "Delete", lines: wrapped("Delete \(list.noun) \(index + 1), \"\(text)\"? y deletes, any other key keeps it.", width: width),
                              hint: "y / n", selected: nil)
    case .confirmDelete(_, let title):
        return OverlayContent(title: "Delete", lines: wrapped("Delete \"\(title)\" for good? y deletes, any other key keeps it.", width: width),
                              hint: "y / n", selected: nil)
    }
}

/// A list overlay's keys: entry keys only once an entry is selected.
private func listHint(_ state: AppState, count: Int, toggles: Bool = false) -> String {
    guard count > 0 else { return "a add · Esc close" }
    return state.selectionShown ? "↑↓ select · a add · e edit · \(toggles ? "x on/off · " : "")d delete · Esc close"
        : "↑↓ select an entry · a add · Esc close"
}

extension String {
    /// Pads with spaces to `width` display columns (at least one space after).
    func padding(_ width: Int) -> String {
        self + String(repeating: " ", count: max(1, width - DisplayWidth.of(self)))
    }
}

/// Everything matching uses, in a few words: keys, secondary keys by their logic ("+" one of
/// them, "+ all of", "unless all of", "not"), anti-keys, and the lorebook settings that differ
/// from the usual (capitals matter, parts of words, the order, the turns searched).
func worldInfoMatching(_ entry: WorldInfoEntry) -> String {
    var keys = entry.alwaysOn ? "always" : entry.keys.joined(separator: ", ")
    if !entry.alwaysOn && !entry.secondaryKeys.isEmpty {
        let secondary = entry.secondaryKeys.joined(separator: ", ")
        switch entry.logic {
        case .andAny: keys += " + " + secondary
        case .andAll: keys += " + all of " + secondary
        case .notAll: keys += " unless all of " + secondary
        case .notAny: keys += " not " + secondary
        }
    }
    if !entry.alwaysOn && !entry.antiKeys.isEmpty { keys += " not " + entry.antiKeys.joined(separator: ", ") }
    var settings: [String] = []
    if entry.caseSensitive { settings.append("capitals matter") }
    if !entry.wholeWords { settings.append("in words") }
    if entry.order != WorldInfoEntry.defaultOrder { settings.append("order \(entry.order)") }
    if let depth = entry.scanDepth, !entry.alwaysOn { settings.append(depth == 1 ? "last turn" : "last \(depth) turns") }
    return settings.isEmpty ? keys : keys + " · " + settings.joined(separator: " · ")
}
