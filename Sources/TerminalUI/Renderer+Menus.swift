import Story

func drawMenu(_ state: AppState, _ buffer: inout ScreenBuffer) {
    let title: String
    var rows: [String]
    var hint = "↑↓ choose · Enter select · Esc back · F1 help"
    switch state.screen {
    case .start:
        title = "D U N G E O N"
        rows = startMenu(state).map(\.label)
        hint = "↑↓ choose · Enter select · q quit"
    case .scenarios:
        title = "New adventure: choose a world"
        rows = scenarioRows(state)
    case .characters(let index):
        let scenario = state.scenarios.indices.contains(index) ? state.scenarios[index] : nil
        title = "\(scenario?.title ?? "Scenario"): choose who you are"
        rows = scenario?.characters.map { "\($0.name.capitalized) — \($0.opening)" } ?? []
    case .greetings(let index):
        title = "\(state.cards.indices.contains(index) ? state.cards[index].card.name : "Card"): choose how it begins"
        rows = greetingRows(state, card: index)
    case .load:
        title = "Load an adventure"
        rows = state.saves.map { "\($0.title) · \($0.scenario) · \($0.turns == 1 ? "1 turn" : "\($0.turns) turns") · \($0.lastPlayed)" }
        if rows.isEmpty { rows = ["(no saved adventures yet)"] }
        hint = "Enter load · d delete · r rename · Esc back"
    case .play:
        return
    }

    // The model notice is kept whole; the menu gets the rows that are left.
    let problem = state.screen == .start ? state.modelProblem.map { WordWrap.lines($0, width: max(1, state.width - 4)) } ?? [] : []
    let roomy = state.height >= 16
    var y = roomy ? 1 : 0
    buffer.write(title, x: 2, y: y, role: .title, maxX: state.width - 1)
    y += 1
    if state.screen == .start && roomy {
        buffer.write("a text adventure written by GPT-2 on your CPU", x: 2, y: y, role: .dim, maxX: state.width - 1)
        y += 1
    }
    if roomy { y += 1 }
    // Keep the selection in view on short windows.
    let room = max(1, state.height - y - 3 - (problem.isEmpty ? 0 : problem.count + 1))
    let first = max(0, min(state.selection - room + 1, rows.count - room))
    for (index, row) in rows.enumerated().dropFirst(first).prefix(room) {
        let selected = index == state.selection && !(state.screen == .load && state.saves.isEmpty)
        if selected { buffer.fill(y: y, from: 1, to: state.width - 1, role: .selected) }
        // A row too long for the window is cut at a word, with "…", not mid-word at the edge.
        let text = DisplayWidth.truncate(row, to: max(1, state.width - 6))
        buffer.write((selected ? "> " : "  ") + text, x: 2, y: y, role: selected ? .selected : .normal, maxX: state.width - 2)
        y += 1
    }

    if state.screen == .start, let download = state.download {
        let line = downloadLine(download)
        buffer.write(line, x: 2, y: max(y + 1, state.height - 4 - problem.count), role: .notice, maxX: state.width - 1)
    }
    if !problem.isEmpty {
        let top = max(y + 1, state.height - 3 - problem.count)
        for (i, line) in problem.enumerated() where top + i < state.height - 3 {
            buffer.write(line, x: 2, y: top + i, role: .notice)
        }
    }
    if let notice = state.notice {
        buffer.write(notice.text, x: 2, y: state.height - 3, role: notice.isError ? .error : .notice, maxX: state.width - 1)
    }
    if state.purpose != .action {
        drawInput(state, &buffer, y: state.height - 2)
    }
    buffer.fill(y: state.height - 1, role: .status)
    buffer.write(" " + hint, x: 0, y: state.height - 1, role: .status)
}

/// "Downloading model.safetensors 120/548 MB [#####.....] 11.2 MB/s 0:38 left": the start
/// screen's progress line, and the one `dungeon models download` prints.
public func downloadLine(_ download: DownloadStatus) -> String {
    guard !download.file.isEmpty else { return "Starting the download…" }
    let megabytes = { (bytes: Int) in String(Int((Double(bytes) / 1_048_576).rounded())) }
    var line = "Downloading \(download.file) \(megabytes(download.received))"
    if let total = download.total, total > 0 {
        let filled = Int(min(1, Double(download.received) / Double(total)) * 20)
        line += "/\(megabytes(total)) MB [" + String(repeating: "#", count: filled) + String(repeating: ".", count: 20 - filled) + "]"
    } else {
        line += " MB"
    }
    if download.bytesPerSecond > 0 {
        line += " " + formatRate(download.bytesPerSecond / 1_048_576) + " MB/s"
        if let total = download.total, total > download.received {
            let left = Int(Double(total - download.received) / download.bytesPerSecond)
            line += " \(left / 60):" + (left % 60 < 10 ? "0" : "") + "\(left % 60) left"
        }
    }
    return line
}
