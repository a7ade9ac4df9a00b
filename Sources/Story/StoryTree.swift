/// One step of the story: the player's action and the one reply it got. Turns form a tree
/// under the opening; a turn's siblings are the other things that happened at that point
/// (retried replies, other actions tried after an undo, edited versions).
public struct Turn: Codable, Sendable, Equatable {
    /// Unique within its adventure and never reused while the adventure is open.
    public var id: Int
    /// The turn this one follows; `StoryTree.opening` for a first turn.
    public var parent: Int
    public var mode: ActionMode
    /// What the player typed.
    public var input: String
    /// The action as it enters the story ("> You open the door."); empty for `continue`.
    public var action: String
    /// Nil while the reply is still being written (or was never written: a crash, a stop).
    public var reply: Reply?

    public init(id: Int, parent: Int, mode: ActionMode, input: String, action: String, reply: Reply? = nil) {
        self.id = id
        self.parent = parent
        self.mode = mode
        self.input = input
        self.action = action
        self.reply = reply
    }

    /// The reply's text; empty while there is none.
    public var replyText: String { reply?.text ?? "" }
}

/// Every turn the player ever saw, as a tree under the opening, and where they are in it.
///
/// The story on screen is the path from the opening to `head`. Each turn remembers the
/// child visited last (`lastVisited`), so redo and a branch switch come back to where the
/// player was, as in an undo tree. Operations keep three invariants, which the property
/// tests check after every step: every turn's parent exists, `path` is the chain from the
/// opening to `head`, and every turn on the path is its parent's last-visited child.
///
/// The tree notes each turn it changes in `changes`, in order, so a save writes only those
/// turns: a turn costs the same to save at turn 10 and at turn 10,000.
public struct StoryTree: Sendable {
    /// The id standing for the opening, which every first turn follows.
    public static let opening = 0

    public private(set) var turns: [Int: Turn] = [:]
    /// Children in the order they were made.
    private var childIDs: [Int: [Int]] = [:]
    /// For the opening and each turn: the child the player was on last.
    public private(set) var lastVisited: [Int: Int] = [:]
    /// The current turn (the end of the story on screen); `opening` before the first turn.
    public private(set) var head = StoryTree.opening
    /// The story on screen: the turns from the first to `head`.
    public private(set) var path: [Turn] = []
    /// Where each turn of `path` is in it: "is this turn on the story" in constant time, so
    /// a turn costs the same to play at turn 10 and at turn 10,000.
    private var pathIndex: [Int: Int] = [:]
    /// Ids of turns changed, added or removed (or whose last-visited child changed), in order.
    public private(set) var changes: [Int] = []
    private var nextID = 1

    public init() {}

    /// A tree from stored turns; throws when they do not form one (a parent missing, a cycle,
    /// a current turn that does not exist). Last-visited entries that are not a parent's
    /// child are dropped.
    public init(turns stored: [Turn], lastVisited: [Int: Int], head: Int) throws {
        turns.reserveCapacity(stored.count)
        var sorted = true
        var parentsFirst = true
        var previous = 0
        for turn in stored {
            guard turn.id > 0 else { throw StoryError.brokenTree("a turn has the id \(turn.id)") }
            guard turns.updateValue(turn, forKey: turn.id) == nil else {
                throw StoryError.brokenTree("two turns have the id \(turn.id)")
            }
            sorted = sorted && turn.id > previous
            parentsFirst = parentsFirst && turn.parent < turn.id
            previous = turn.id
        }
        // Children in the order they were made: by id. A save file gives them in that order.
        let links = stored.map { ($0.id, $0.parent) }
        for (id, parent) in sorted ? links : links.sorted(by: { $0.0 < $1.0 }) {
            guard parent == Self.opening || turns[parent] != nil else {
                throw StoryError.brokenTree("turn \(id) follows turn \(parent), which does not exist")
            }
            childIDs[parent, default: []].append(id)
        }
        // Every turn must be reachable from the opening; a cycle never is. Turns this game
        // makes always follow an older turn (ids only grow), which rules a cycle out already;
        // anything else (an edited import) is walked from the opening.
        if !parentsFirst {
            var reached = 0
            var stack = [Self.opening]
            while let id = stack.popLast() {
                let children = childIDs[id] ?? []
                reached += children.count
                stack += children
            }
            guard reached == turns.count else { throw StoryError.brokenTree("some turns form a loop") }
        }
        guard head == Self.opening || turns[head] != nil else {
            throw StoryError.brokenTree("the current turn \(head) does not exist")
        }
        self.lastVisited.reserveCapacity(lastVisited.count + 1)
        for (parent, child) in lastVisited where turns[child]?.parent == parent { self.lastVisited[parent] = child }
        nextID = (turns.keys.max() ?? 0) + 1
        setHead(head)
        // Make the path's pointers true without recording them: the stored ones are kept as read.
        for turn in path { self.lastVisited[turn.parent] = turn.id }
    }

    // MARK: Reading

    /// The children of `id` (a turn or the opening), oldest first.
    public func children(of id: Int) -> [Int] { childIDs[id] ?? [] }

    /// The turns made at the same point as `id`, itself included, oldest first.
    public func siblings(of id: Int) -> [Int] {
        guard let turn = turns[id] else { return [] }
        return children(of: turn.parent)
    }

    /// The turn reached from `id` by following last-visited children down to a leaf.
    public func lastVisitedLeaf(from id: Int) -> Int {
        var current = id
        while let next = lastVisited[current] { current = next }
        return current
    }

    /// The turns from the first down to `id`.
    public func path(to id: Int) -> [Turn] {
        var result: [Turn] = []
        var current = id
        while let turn = turns[current] {
            result.append(turn)
            current = turn.parent
        }
        return result.reversed()
    }

    /// Whether `id` is on the story on screen (it or a turn after it is current).
    public func isOnPath(_ id: Int) -> Bool {
        id == Self.opening || pathIndex[id] != nil
    }

    /// `id` and every turn after it, on every branch: what deleting it removes.
    public func branch(from id: Int) -> [Int] {
        var ids = [id]
        var index = 0
        while index < ids.count {
            ids += children(of: ids[index])
            index += 1
        }
        return ids
    }

    /// How many turns `redo` can bring back: the last-visited chain below `head`.
    public var redoCount: Int {
        var count = 0
        var current = head
        while let next = lastVisited[current] {
            count += 1
            current = next
        }
        return count
    }

    /// How many places the story forks: the opening or turns with more than one child.
    public var branchPointCount: Int {
        childIDs.values.filter { $0.count > 1 }.count
    }

    // MARK: Changing

    /// Adds a turn after `parent` and makes it current; returns its id.
    @discardableResult
    public mutating func add(after parent: Int, mode: ActionMode, input: String, action: String, reply: Reply? = nil) -> Int {
        precondition(parent == Self.opening || turns[parent] != nil, "a turn follows a turn of the tree")
        let id = nextID
        nextID += 1
        turns[id] = Turn(id: id, parent: parent, mode: mode, input: input, action: action, reply: reply)
        childIDs[parent, default: []].append(id)
        noteChange(id)
        select(id)
        return id
    }

    /// Changes a turn's content (its action, mode or reply), keeping its place in the tree.
    public mutating func update(_ id: Int, _ change: (inout Turn) -> Void) {
        guard var turn = turns[id] else { return }
        let (ownID, parent) = (turn.id, turn.parent)
        change(&turn)
        (turn.id, turn.parent) = (ownID, parent)
        turns[id] = turn
        noteChange(id)
        if let depth = pathIndex[id] { path[depth] = turn }
    }

    /// Makes `id`'s branch the story on screen: every turn above it becomes its parent's
    /// last-visited child, and the story runs on to the leaf the player was on last below it.
    public mutating func select(_ id: Int) {
        guard id == Self.opening || turns[id] != nil else { return }
        // Up to the first turn on the story: above it the pointers already lead here.
        var child = id
        while let turn = turns[child] {
            if lastVisited[turn.parent] != child {
                lastVisited[turn.parent] = child
                noteChange(turn.parent)
            }
            if isOnPath(turn.parent) { break }
            child = turn.parent
        }
        moveHead(to: lastVisitedLeaf(from: id))
    }

    /// Moves the end of the story to `id` without changing any branch: undo and redo.
    public mutating func moveHead(to id: Int) {
        guard id == Self.opening || turns[id] != nil else { return }
        setHead(id)
    }

    /// Removes `id` and every turn after it. The story on screen never loses a turn: a turn
    /// on the path cannot be removed, except the current turn when it has no children
    /// (an action taken back), after which its parent is current.
    public mutating func remove(_ id: Int) throws {
        guard let turn = turns[id] else { throw StoryError.noSuchBranch }
        let isTakeBack = id == head && children(of: id).isEmpty
        guard isTakeBack || !isOnPath(id) else { throw StoryError.branchOnPath }
        for gone in branch(from: id) {
            turns[gone] = nil
            childIDs[gone] = nil
            lastVisited[gone] = nil
            noteChange(gone)
        }
        childIDs[turn.parent]?.removeAll { $0 == id }
        if childIDs[turn.parent]?.isEmpty == true { childIDs[turn.parent] = nil }
        if lastVisited[turn.parent] == id {
            // The parent goes on to its newest remaining child, if any.
            lastVisited[turn.parent] = childIDs[turn.parent]?.last
            noteChange(turn.parent)
        }
        if isTakeBack { moveHead(to: turn.parent) }
    }

    /// Forgets the recorded changes: the tree as it is now is what a save file holds.
    public mutating func clearChanges() { changes.removeAll() }

    /// Records that turn `id` must be written again. The opening's pointer and the current
    /// turn are stored with the adventure, which every save writes.
    private mutating func noteChange(_ id: Int) {
        if id != Self.opening { changes.append(id) }
    }

    /// Makes `id` the current turn, changing only the end of `path` that differs: the turns
    /// after the last one the old and new stories share.
    private mutating func setHead(_ id: Int) {
        var segment: [Int] = []
        var current = id
        while current != Self.opening, pathIndex[current] == nil, let turn = turns[current] {
            segment.append(current)
            current = turn.parent
        }
        let kept = pathIndex[current].map { $0 + 1 } ?? 0
        for turn in path[kept...] { pathIndex[turn.id] = nil }
        path.removeSubrange(kept...)
        path.reserveCapacity(kept + segment.count)
        pathIndex.reserveCapacity(kept + segment.count)
        for turnID in segment.reversed() {
            guard let turn = turns[turnID] else { continue }  // just read above
            pathIndex[turnID] = path.count
            path.append(turn)
        }
        head = id
    }
}

extension StoryTree: Equatable {
    /// Two trees are equal when they hold the same turns, pointers and current turn; the
    /// changes not yet saved are bookkeeping, not story.
    public static func == (lhs: StoryTree, rhs: StoryTree) -> Bool {
        lhs.turns == rhs.turns && lhs.head == rhs.head && lhs.lastVisited == rhs.lastVisited
    }
}

/// A turn with its alternative replies as a list: how linear saves hold a story (dungeon's
/// own before the tree, AI Dungeon, KoboldAI). `chosen` is the reply the story went on from.
public struct LinearTurn: Codable, Sendable, Equatable {
    public var mode: ActionMode
    public var input: String
    public var action: String
    public var replies: [Reply]
    public var chosen: Int

    public init(mode: ActionMode, input: String, action: String, replies: [Reply] = [], chosen: Int = 0) {
        self.mode = mode
        self.input = input
        self.action = action
        self.replies = replies
        self.chosen = chosen
    }
}

extension StoryTree {
    /// The tree of a linear story: each reply of a turn becomes a sibling turn with the same
    /// action, the chosen one carrying the story on; the undone turns (most recent last, as
    /// redo brings them back) continue below the current turn, ready for redo.
    public init(linear turns: [LinearTurn], undone: [LinearTurn] = []) {
        self.init()
        var parent = Self.opening
        var current = Self.opening
        for (index, turn) in (turns + undone.reversed()).enumerated() {
            var chosenID: Int?
            if turn.replies.isEmpty {
                chosenID = add(after: parent, mode: turn.mode, input: turn.input, action: turn.action)
            }
            for (position, reply) in turn.replies.enumerated() {
                let id = add(after: parent, mode: turn.mode, input: turn.input, action: turn.action, reply: reply)
                if position == min(max(0, turn.chosen), turn.replies.count - 1) { chosenID = id }
            }
            if let chosenID { select(chosenID) }
            parent = chosenID ?? parent
            if index == turns.count - 1 { current = parent }
        }
        moveHead(to: current)
        clearChanges()
    }
}

extension StoryTree {
    /// A part of the tree off the story on screen, for exports that show every branch.
    public struct Branch: Sendable, Equatable {
        /// The turn it follows (`opening` for a different first turn), on the story or on
        /// a branch listed before it.
        public var after: Int
        /// That turn's number on its own branch (0 for the opening).
        public var afterNumber: Int
        /// The turns from the fork down to a leaf.
        public var turns: [Turn]
    }

    /// Every turn not on the story on screen, once each: for each leaf off the story (in the
    /// order the turns were made), the turns from where it leaves what was listed before.
    public func otherBranches() -> [Branch] {
        var listed = Set(path.map(\.id))
        listed.insert(Self.opening)
        var branches: [Branch] = []
        var stack = [Self.opening]
        var leaves: [Int] = []
        while let id = stack.popLast() {
            let children = self.children(of: id)
            if children.isEmpty && id != Self.opening { leaves.append(id) }
            stack += children.reversed()
        }
        for leaf in leaves where !listed.contains(leaf) {
            var segment: [Turn] = []
            var current = leaf
            while !listed.contains(current), let turn = turns[current] {
                segment.append(turn)
                listed.insert(current)
                current = turn.parent
            }
            branches.append(Branch(after: current, afterNumber: path(to: current).count, turns: segment.reversed()))
        }
        return branches
    }
}
