import Story

/// What a cell means; the terminal adapter turns roles into colours for the theme.
public enum Role: Equatable, Sendable, CaseIterable {
    case normal, action, dim, status, input, prompt, title, selected, error, notice, frame, streaming
}

/// One character cell. A wide character fills its cell and marks the next as a continuation.
public struct Cell: Equatable, Sendable {
    public var character: Character
    public var role: Role
    public var isContinuation: Bool

    public static let blank = Cell(character: " ", role: .normal, isContinuation: false)
}

/// A grid of cells, the whole screen; rendering writes here and the adapter draws it.
public struct ScreenBuffer: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Where the terminal cursor should be shown, or nil to hide it.
    public var cursor: (x: Int, y: Int)? {
        get { cursorX.map { ($0, cursorY) } }
        set { cursorX = newValue?.x; cursorY = newValue?.y ?? 0 }
    }
    private var cursorX: Int?
    private var cursorY = 0

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        cells[y * width + x]
    }

    /// Writes `text` from column `x` of row `y`, clipped at `maxX` (exclusive); returns the
    /// column after the last one written. A wide character that would straddle the edge is
    /// replaced by a space.
    @discardableResult
    public mutating func write(_ text: some StringProtocol, x: Int, y: Int, role: Role = .normal, maxX: Int? = nil) -> Int {
        guard y >= 0 && y < height else { return x }
        let limit = min(maxX ?? width, width)
        var column = x
        // The screen's sink: whatever the text is (a title, a notice echoing input, a
        // reply), no escape sequence or control character reaches the terminal.
        for character in TextSanitizer.clean(String(text)) {
            let w = DisplayWidth.of(character)
            if w == 0 { continue }
            if column + w > limit {
                if column < limit && w == 2 { cells[y * width + column] = Cell(character: " ", role: role, isContinuation: false) }
                break
            }
            if column >= 0 {
                cells[y * width + column] = Cell(character: character, role: role, isContinuation: false)
                if w == 2 { cells[y * width + column + 1] = Cell(character: " ", role: role, isContinuation: true) }
            }
            column += w
        }
        return column
    }

    /// Fills a row segment with spaces in a role (status bars, selection highlights).
    public mutating func fill(y: Int, from x: Int = 0, to end: Int? = nil, role: Role) {
        guard y >= 0 && y < height else { return }
        for column in max(0, x)..<min(end ?? width, width) {
            cells[y * width + column] = Cell(character: " ", role: role, isContinuation: false)
        }
    }

    /// The rows as plain text, trailing spaces removed: what snapshot files hold.
    public var lines: [String] {
        (0..<height).map { y in
            var line = ""
            for x in 0..<width where !self[x, y].isContinuation { line.append(self[x, y].character) }
            while line.last == " " { line.removeLast() }
            return line
        }
    }

    public static func == (a: ScreenBuffer, b: ScreenBuffer) -> Bool {
        a.width == b.width && a.height == b.height && a.cells == b.cells && a.cursorX == b.cursorX && a.cursorY == b.cursorY
    }
}
