import Story

/// The tree overlay: one row per turn of the branch shown, from the opening down. A row
/// shows the turn's number, • when it is part of the story on screen, [2/3] where the
/// story branched (which of the siblings this is), and the first line of its action and reply.
func treeContent(_ state: AppState) -> OverlayContent {
    guard let tree = state.adventure?.tree, let shown = state.treeView else {
        return OverlayContent(title: "Story tree", lines: [], hint: "Esc close", selected: nil)
    }
    let view = currentView(tree, shown)
    let line = treeLine(tree, view)
    let numberWidth = String(line.count).count
    var lines = [StyledLine(text: "0".padding(numberWidth + 1) + "• " + firstLine(state.adventure!.opening), role: .normal)]
    for (index, turn) in line.enumerated() {
        let siblings = tree.siblings(of: turn.id)
        let branch = siblings.count > 1 ? "[\((siblings.firstIndex(of: turn.id) ?? 0) + 1)/\(siblings.count)] " : ""
        let action = turn.action.isEmpty ? "(continue)" : firstLine(turn.action)
        let reply = turn.reply.map { firstLine($0.text) } ?? "(no reply yet)"
        let shown = tree.isOnPath(turn.id)
        lines.append(StyledLine(text: String(index + 1).padding(numberWidth + 1) + (shown ? "• " : "  ") + branch
                                + action + " — " + reply, role: shown ? .normal : .dim))
    }
    if state.plainMode { lines += otherVersions(tree, line) }
    let selected = view.cursor == StoryTree.opening ? 0 : (line.firstIndex { $0.id == view.cursor }.map { $0 + 1 } ?? 0)
    let forks = tree.branchPointCount
    let title = "Story tree · \(tree.turns.count) turns · \(forks == 1 ? "1 fork" : "\(forks) forks")"
    return OverlayContent(title: title, lines: lines,
                          hint: "↑↓ turns · ←→ versions · Enter go · b copy · d delete · Esc",
                          selected: selected)
}

/// Plain mode has no keys to browse with: the other versions at each fork of the story are
/// listed under it, with the command that switches to them.
private func otherVersions(_ tree: StoryTree, _ line: [Turn]) -> [StyledLine] {
    var lines: [StyledLine] = []
    for (index, turn) in line.enumerated() {
        let siblings = tree.siblings(of: turn.id)
        guard siblings.count > 1 else { continue }
        lines.append(StyledLine(text: "Turn \(index + 1) has \(siblings.count) versions (/alt \(index + 1) to switch):", role: .title))
        for (position, id) in siblings.enumerated() {
            guard let other = tree.turns[id] else { continue }
            let action = other.action.isEmpty ? "(continue)" : firstLine(other.action)
            let mark = id == turn.id ? " (this one)" : ""
            lines.append(StyledLine(text: "  \(position + 1). \(action) — \(other.reply.map { firstLine($0.text) } ?? "(no reply yet)")\(mark)",
                                    role: .normal))
        }
    }
    return lines
}

/// A text's first line, paragraph breaks as spaces.
private func firstLine(_ text: String) -> String {
    text.split(whereSeparator: \.isNewline).joined(separator: " ")
}
