import Story

/// Opens the tree on the story on screen, with its current turn selected.
func openTree(_ state: inout AppState) {
    guard let tree = state.adventure?.tree else { return }
    state.treeView = TreeView(leaf: tree.head, cursor: tree.head)
    state.overlay = .tree
}

/// The turns the tree overlay shows: the opening's branch down to the view's leaf.
func treeLine(_ tree: StoryTree, _ view: TreeView) -> [Turn] {
    tree.path(to: view.leaf)
}

/// `view`, or the story on screen when a turn it shows is gone (a stopped reply's action
/// was taken back, or a branch deleted, while the tree was open).
func currentView(_ tree: StoryTree, _ view: TreeView) -> TreeView {
    let exists = { (id: Int) in id == StoryTree.opening || tree.turns[id] != nil }
    return exists(view.leaf) && exists(view.cursor) ? view : TreeView(leaf: tree.head, cursor: tree.head)
}

/// Up and Down move along the branch shown, Left and Right to the selected turn's
/// siblings (showing the branch below each as far as it was played). Nothing changes
/// until Enter makes the shown branch the story; b copies it up to the selected turn into
/// a new adventure; d deletes the selected turn's branch, after asking.
func treeKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    guard let tree = state.adventure?.tree, let shown = state.treeView else {
        state.overlay = nil
        return []
    }
    var view = currentView(tree, shown)
    let line = [StoryTree.opening] + treeLine(tree, view).map(\.id)
    let row = line.firstIndex(of: view.cursor) ?? line.count - 1
    switch key {
    case .up:
        view.cursor = line[max(0, row - 1)]
    case .down:
        view.cursor = line[min(line.count - 1, row + 1)]
    case .home:
        view.cursor = StoryTree.opening
    case .end:
        view.cursor = view.leaf
    case .left, .right:
        let siblings = tree.siblings(of: view.cursor)
        guard siblings.count > 1, let position = siblings.firstIndex(of: view.cursor) else { break }
        let next = siblings[(position + (key == .right ? 1 : siblings.count - 1)) % siblings.count]
        view = TreeView(leaf: tree.lastVisitedLeaf(from: next), cursor: next)
    case .enter:
        guard !state.isGenerating else { return busyInTree(&state) }
        state.teller!.select(view.leaf)
        state.overlay = nil
        state.treeView = nil
        state.scroll = 0
        let count = state.adventure!.turns.count
        state.notice = Notice(text: "Now on this branch: \(count == 1 ? "1 turn" : "\(count) turns").", isError: false)
        return [.save, .measureContext]
    case .character("b"):
        guard !state.isGenerating else { return busyInTree(&state) }
        let adventure = state.adventure!
        let copy = adventure.branch(upTo: view.cursor, title: adventure.title + " (branch)")
        state.overlay = nil
        state.treeView = nil
        return [.save, .createBranch(copy)]
    case .character("d"), .delete:
        guard !state.isGenerating else { return busyInTree(&state) }
        guard view.cursor != StoryTree.opening, !tree.isOnPath(view.cursor) else {
            state.notice = Notice(text: StoryError.branchOnPath.description, isError: true)
            break
        }
        state.overlay = .confirmDeleteBranch(turn: view.cursor, count: tree.branch(from: view.cursor).count)
    default:
        break
    }
    state.treeView = view
    return []
}

/// The answer to "delete this branch?": y deletes it, anything else keeps it.
func confirmDeleteBranchKey(_ state: inout AppState, turn: Int, _ key: Key) -> [Effect] {
    state.overlay = .tree
    guard key == .character("y") || key == .character("Y"), state.teller != nil, !state.isGenerating else { return [] }
    let parent = state.adventure!.tree.turns[turn]?.parent ?? StoryTree.opening
    do {
        try state.teller!.deleteBranch(turn)
    } catch {
        report(&state, error)
        return []
    }
    let tree = state.adventure!.tree
    // Back to the parent, on the branch played last from there.
    state.treeView = TreeView(leaf: tree.lastVisitedLeaf(from: parent), cursor: parent)
    state.notice = Notice(text: "Deleted the branch.", isError: false)
    return [.save]
}

private func busyInTree(_ state: inout AppState) -> [Effect] {
    state.notice = Notice(text: "A reply is being written; press Esc to stop it first.", isError: false)
    return []
}
