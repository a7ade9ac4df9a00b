import Story

/// A search of the story for the player (`/recall TEXT`), and what it found.
public struct StorySearch: Equatable, Sendable {
    public var query: String
    public var allBranches: Bool
    public var hits: [StorySearchResult.Hit]

    public init(query: String, allBranches: Bool, hits: [StorySearchResult.Hit]) {
        self.query = query
        self.allBranches = allBranches
        self.hits = hits
    }
}

/// `/recall` shows what recall brings back for the next reply and the words that found it;
/// `/recall TEXT` searches the story on screen (`--all`: every branch) for the player.
func recallCommand(_ state: inout AppState, argument: String) -> [Effect] {
    var words = argument.split(separator: " ").map(String.init)
    let allBranches = words.contains("--all")
    words.removeAll { $0 == "--all" }
    let text = words.joined(separator: " ")
    guard !text.isEmpty else {
        state.storySearch = nil
        state.overlay = .recall
        state.overlayScroll = 0
        return [.measureContext]
    }
    return [.searchStory(text, allBranches: allBranches)]
}

func showSearch(_ state: inout AppState, _ search: StorySearch) {
    guard state.teller != nil else { return }
    state.storySearch = search
    state.overlay = .recall
    state.selection = 0
    state.overlayScroll = 0
}

/// Up and Down choose a result; Enter shows its turn in the story (on another branch, after
/// asking, the story switches to that branch as the tree's Enter does).
func recallKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    guard let search = state.storySearch, !search.hits.isEmpty else {
        switch key {
        case .up, .wheelUp: state.overlayScroll = max(0, state.overlayScroll - 1)
        case .down, .wheelDown: state.overlayScroll += 1
        case .pageUp: state.overlayScroll = max(0, state.overlayScroll - max(1, state.height - 6))
        case .pageDown, .character(" "): state.overlayScroll += max(1, state.height - 6)
        default: break
        }
        return []
    }
    let selected = min(state.selection, search.hits.count - 1)
    switch key {
    case .up: state.selection = max(0, selected - 1)
    case .down: state.selection = min(search.hits.count - 1, selected + 1)
    case .enter:
        let hit = search.hits[selected]
        if let number = hit.number, isShown(hit.turn, asTurn: number, state) {
            state.overlay = nil
            showTurn(&state, number)
        } else if state.adventure?.tree.turns[hit.turn] != nil {
            state.overlay = .confirmSwitchBranch(turn: hit.turn)
        } else {
            state.notice = Notice(text: "That turn is no longer in the story.", isError: true)
        }
    default: break
    }
    return []
}

/// The answer to "switch to that branch?": y makes it the story, as the tree's Enter does.
func confirmSwitchBranchKey(_ state: inout AppState, turn: Int, _ key: Key) -> [Effect] {
    state.overlay = .recall
    guard key == .character("y") || key == .character("Y"), let tree = state.adventure?.tree, tree.turns[turn] != nil else {
        return []
    }
    guard !state.isGenerating else {
        state.notice = Notice(text: "A reply is being written; press Esc to stop it first.", isError: false)
        return []
    }
    state.teller!.select(tree.lastVisitedLeaf(from: turn))
    state.overlay = nil
    state.storySearch = nil
    let turns = state.adventure!.turns
    let number = (turns.firstIndex { $0.id == turn } ?? turns.count - 1) + 1
    state.notice = Notice(text: "Now on this branch: \(turns.count == 1 ? "1 turn" : "\(turns.count) turns"); turn \(number) is at the top.",
                          isError: false)
    showTurn(&state, number)
    return [.save, .measureContext]
}

/// Whether turn id `turn` is still turn `number` of the story on screen.
private func isShown(_ turn: Int, asTurn number: Int, _ state: AppState) -> Bool {
    guard let turns = state.adventure?.turns else { return false }
    if number == 0 { return turn == StoryTree.opening }
    return turns.indices.contains(number - 1) && turns[number - 1].id == turn
}

/// Scrolls the story so turn `number` (0: the opening) starts at the top of the pane.
func showTurn(_ state: inout AppState, _ number: Int) {
    guard let first = StoryLayout.firstLine(ofTurn: number, state: state, width: state.width) else { return }
    let total = StoryLayout.lines(for: state, width: state.width, limit: nil).count
    state.scroll = max(0, min(maxScroll(state), total - first - storyHeight(state)))
}
