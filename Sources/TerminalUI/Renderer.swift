import Story

/// Draws the whole screen for a state: a pure function, so tests compare its output
/// with snapshot files and the terminal adapter only copies cells to the terminal.
public func render(_ state: AppState) -> ScreenBuffer {
    var buffer = ScreenBuffer(width: state.width, height: state.height)
    guard state.width > 0 && state.height > 0 else { return buffer }
    if state.isTooSmall {
        drawTooSmall(&buffer)
        return buffer
    }
    switch state.screen {
    case .play: drawPlay(state, &buffer)
    case .start, .scenarios, .characters, .greetings, .load: drawMenu(state, &buffer)
    }
    if let overlay = state.overlay { drawOverlay(state, overlay, &buffer) }
    return buffer
}

private func drawTooSmall(_ buffer: inout ScreenBuffer) {
    let lines = ["Window too small", "Make it at least", "\(AppState.minimumWidth)x\(AppState.minimumHeight)", "Ctrl-C quits"]
    let top = max(0, (buffer.height - lines.count) / 2)
    for (i, line) in lines.enumerated() where top + i < buffer.height {
        let x = max(0, (buffer.width - DisplayWidth.of(line)) / 2)
        buffer.write(line, x: x, y: top + i, role: i == 0 ? .error : .normal)
    }
}

// MARK: Play

private func drawPlay(_ state: AppState, _ buffer: inout ScreenBuffer) {
    let height = storyHeight(state)
    var lines = StoryLayout.lines(for: state, width: state.width, limit: height + state.scroll)
    let end = max(0, lines.count - state.scroll)
    lines = Array(lines[max(0, end - height)..<end])
    for (row, line) in lines.enumerated() {
        buffer.write(line.text, x: 0, y: row, role: line.role)
    }
    if state.scroll > 0 {
        let marker = " ↓ \(state.scroll) more (PgDn) "
        buffer.write(marker, x: max(0, state.width - DisplayWidth.of(marker)), y: height - 1, role: .notice)
    }
    if let notice = state.notice {
        // Rows of its own, between the story and the input line: it never hides the story.
        for (row, line) in noticeLines(state).enumerated() {
            buffer.fill(y: height + row, role: notice.isError ? .error : .notice)
            buffer.write(" " + line, x: 0, y: height + row, role: notice.isError ? .error : .notice)
        }
    }
    drawInput(state, &buffer, y: state.height - 2)
    drawStatus(state, &buffer, y: state.height - 1)
}

func drawInput(_ state: AppState, _ buffer: inout ScreenBuffer, y: Int) {
    let label = state.purpose == .action ? "\(state.mode.label) > " : "\(state.purpose.label): "
    let end = buffer.write(label, x: 0, y: y, role: .prompt)
    let room = max(1, state.width - end - 1)
    // Scroll the line so the cursor stays visible.
    let characters = state.editor.text
    let shown = visibleWindow(characters, cursor: state.editor.cursor, room: room, width: DisplayWidth.of)
    buffer.write(String(characters[shown]), x: end, y: y, role: .input, maxX: state.width)
    if state.overlay == nil {
        let before = characters[shown.lowerBound..<state.editor.cursor].reduce(0) { $0 + DisplayWidth.of($1) }
        buffer.cursor = (min(state.width - 1, end + before), y)
    }
}

/// The characters of a line shown in `room` columns with the cursor visible: found by
/// walking out from the cursor, so the work is the room's, not the line's (a pasted
/// 9,000-character action draws as fast as a short one).
func visibleWindow(_ characters: [Character], cursor: Int, room: Int, width: (Character) -> Int) -> Range<Int> {
    let cursor = min(max(0, cursor), characters.count)
    var start = cursor
    var used = 0
    while start > 0 {
        let next = width(characters[start - 1])
        // Keep a column for the cursor itself at the line's end.
        guard used + next <= room else { break }
        used += next
        start -= 1
    }
    var end = cursor
    while end < characters.count {
        let next = width(characters[end])
        guard used + next <= room else { break }
        used += next
        end += 1
    }
    return start..<end
}

private func drawStatus(_ state: AppState, _ buffer: inout ScreenBuffer, y: Int) {
    buffer.fill(y: y, role: .status)
    // Most important first: what Enter will do, then whether the story is safe; the title
    // comes last and is the part that gets cut.
    var parts: [String] = [state.mode.label]
    if state.unsavedReason != nil { parts.append("NOT SAVED") }
    parts.append(state.modelName ?? "no model")
    if let used = state.contextUsed, let window = state.contextWindow { parts.append("story \(used)/\(window)") }
    if let teller = state.teller { parts += branchParts(teller) }
    if let rate = state.tokensPerSecond { parts.append(formatRate(rate) + " tok/s") }
    let hint = state.generation.map { $0.stopping ? "stopping…" : "writing… Esc stops" } ?? "F1 help"
    let right = " " + hint + " "
    let rightWidth = DisplayWidth.of(right)
    let room = max(0, state.width - rightWidth)
    // A part that does not fit is left out whole, never cut to a misleading number.
    var left = ""
    for part in parts {
        let piece = (left.isEmpty ? " " : " │ ") + part
        guard left.isEmpty || DisplayWidth.of(left + piece) <= room else { break }
        left += piece
    }
    if let title = state.adventure?.title {
        let space = room - DisplayWidth.of(left) - 4
        if space >= 4 { left += " │ " + DisplayWidth.truncate(title, to: space) }
    }
    buffer.write(left, x: 0, y: y, role: .status, maxX: room)
    buffer.write(right, x: max(0, state.width - rightWidth), y: y, role: .status)
}

/// Where the story is in its tree: "reply 2/3" when the current turn has siblings (or
/// "version 2/3" when they differ in their action), and how many forks the story passes.
func branchParts(_ teller: StoryTeller) -> [String] {
    let tree = teller.adventure.tree
    var parts: [String] = []
    if let current = teller.adventure.turns.last, let position = teller.position(), position.count > 1 {
        let sameAction = tree.siblings(of: current.id).allSatisfy { tree.turns[$0]?.action == current.action }
        parts.append("\(sameAction ? "reply" : "version") \(position.index + 1)/\(position.count)")
    }
    let forks = teller.adventure.turns.filter { tree.siblings(of: $0.id).count > 1 }.count
    if forks > 0 { parts.append(forks == 1 ? "1 fork" : "\(forks) forks") }
    return parts
}

func formatRate(_ rate: Double) -> String {
    let tenths = Int((rate * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}
