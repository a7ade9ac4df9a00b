import Foundation
import Story

/// What the multi-line editor is editing.
public enum EditTarget: Equatable, Sendable {
    case reply(turn: Int)
    case action(turn: Int)
    /// A new adventure's own opening (several paragraphs, often pasted).
    case opening

    var title: String {
        switch self {
        case .reply(let turn): return "Edit reply \(turn)"
        case .action(let turn): return "Edit action \(turn)"
        case .opening: return "Your opening"
        }
    }
}

/// The editor for a reply or an action: several paragraphs, Enter starts a new line,
/// Ctrl-S saves and Esc cancels. Lines are the text's own ("\n"-separated), drawn wrapped.
public struct TextEditor: Equatable, Sendable {
    public let target: EditTarget
    public private(set) var text: [Character]
    /// Index into `text` where the next character goes.
    public private(set) var cursor: Int

    public init(target: EditTarget, text: String) {
        self.target = target
        self.text = Array(text)
        cursor = self.text.count
    }

    public var string: String { String(text) }

    public mutating func insert(_ string: String) {
        let clean = string.replacingOccurrences(of: "\r\n", with: "\n").map { $0 == "\r" ? "\n" : $0 == "\t" ? " " : $0 }
            .filter { $0 == "\n" || !($0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } ?? false) }
        text.insert(contentsOf: clean, at: cursor)
        cursor += clean.count
    }

    /// The start of the line holding `index`, and its end (the index of its "\n" or the end).
    private func line(around index: Int) -> (start: Int, end: Int) {
        var start = index
        while start > 0 && text[start - 1] != "\n" { start -= 1 }
        var end = index
        while end < text.count && text[end] != "\n" { end += 1 }
        return (start, end)
    }

    /// Applies an editing key; returns false when it is not one.
    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .character(let c): insert(String(c))
        case .enter: insert("\n")
        case .backspace, .control("h"):
            if cursor > 0 { text.remove(at: cursor - 1); cursor -= 1 }
        case .delete, .control("d"):
            if cursor < text.count { text.remove(at: cursor) }
        case .left, .control("b"): cursor = max(0, cursor - 1)
        case .right, .control("f"): cursor = min(text.count, cursor + 1)
        case .home, .control("a"): cursor = line(around: cursor).start
        case .end, .control("e"): cursor = line(around: cursor).end
        // The one-line editor's cut keys, within the line the cursor is on.
        case .control("k"): text.removeSubrange(cursor..<line(around: cursor).end)
        case .control("u"):
            let start = line(around: cursor).start
            text.removeSubrange(start..<cursor)
            cursor = start
        case .control("w"):
            let lineStart = line(around: cursor).start
            var start = cursor
            while start > lineStart && text[start - 1] == " " { start -= 1 }
            while start > lineStart && text[start - 1] != " " { start -= 1 }
            text.removeSubrange(start..<cursor)
            cursor = start
        case .up, .down:
            let current = line(around: cursor)
            let column = cursor - current.start
            if key == .up {
                guard current.start > 0 else { cursor = 0; return true }
                let previous = line(around: current.start - 1)
                cursor = min(previous.start + column, previous.end)
            } else {
                guard current.end < text.count else { cursor = text.count; return true }
                let next = line(around: current.end + 1)
                cursor = min(next.start + column, next.end)
            }
        default: return false
        }
        return true
    }

    /// The text cut into rows of at most `width` columns (each line its own rows, broken
    /// after a space where one is near), and the row and column where the cursor is drawn.
    public func rows(width: Int) -> (rows: [String], cursor: (row: Int, column: Int)) {
        let width = max(1, width)
        var rows: [String] = []
        var cursorAt = (row: 0, column: 0)
        var lineStart = 0
        while lineStart <= text.count {
            var lineEnd = lineStart
            while lineEnd < text.count && text[lineEnd] != "\n" { lineEnd += 1 }
            // Rows of this line: [rowStart, rowEnd) with a break after the last space that fits.
            var rowStart = lineStart
            repeat {
                var used = 0
                var rowEnd = rowStart
                while rowEnd < lineEnd && used + DisplayWidth.of(text[rowEnd]) <= width {
                    used += DisplayWidth.of(text[rowEnd])
                    rowEnd += 1
                }
                if rowEnd < lineEnd, let space = text[rowStart..<rowEnd].lastIndex(of: " "), space > rowStart {
                    rowEnd = space + 1
                }
                if rowEnd == rowStart && rowEnd < lineEnd { rowEnd += 1 }  // a character wider than the row
                if cursor >= rowStart && (cursor < rowEnd || (cursor == rowEnd && rowEnd == lineEnd)) {
                    cursorAt = (rows.count, DisplayWidth.of(String(text[rowStart..<cursor])))
                }
                rows.append(String(text[rowStart..<rowEnd]))
                rowStart = rowEnd
            } while rowStart < lineEnd
            lineStart = lineEnd + 1
        }
        if cursorAt.column >= width {
            rows.insert("", at: cursorAt.row + 1)
            cursorAt = (cursorAt.row + 1, 0)
        }
        return (rows, cursorAt)
    }
}
