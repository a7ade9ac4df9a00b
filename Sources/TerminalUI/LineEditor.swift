import Foundation

/// The input line: text, a cursor, readline-style editing keys and history.
public struct LineEditor: Equatable, Sendable {
    public private(set) var text: [Character] = []
    /// Index into `text` where the next character goes.
    public private(set) var cursor = 0
    public private(set) var history: [String] = []
    private var historyIndex: Int?
    private var draft: [Character] = []
    public static let historyLimit = 500

    public init() {}

    public var string: String { String(text) }
    public var isEmpty: Bool { text.isEmpty }

    public mutating func set(_ string: String) {
        text = Array(string)
        cursor = text.count
        historyIndex = nil
    }

    public mutating func insert(_ string: String) {
        // Pasted line breaks and tabs become spaces: one paste is one action.
        let clean = string.map { $0 == "\n" || $0 == "\r" || $0 == "\r\n" || $0 == "\t" ? " " : $0 }
            .filter { !($0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } ?? false) }
        text.insert(contentsOf: clean, at: cursor)
        cursor += clean.count
    }

    /// Applies an editing key; returns false when the key is not an editing key.
    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .character(let c): insert(String(c))
        case .backspace, .control("h"):
            if cursor > 0 { text.remove(at: cursor - 1); cursor -= 1 }
        case .delete, .control("d"):
            if cursor < text.count { text.remove(at: cursor) }
        case .left, .control("b"): cursor = max(0, cursor - 1)
        case .right, .control("f"): cursor = min(text.count, cursor + 1)
        case .home, .control("a"): cursor = 0
        case .end, .control("e"): cursor = text.count
        case .control("k"): text.removeSubrange(cursor...)
        case .control("u"):
            text.removeSubrange(..<cursor)
            cursor = 0
        case .control("w"):
            var start = cursor
            while start > 0 && text[start - 1] == " " { start -= 1 }
            while start > 0 && text[start - 1] != " " { start -= 1 }
            text.removeSubrange(start..<cursor)
            cursor = start
        case .up: recall(older: true)
        case .down: recall(older: false)
        default: return false
        }
        return true
    }

    /// Takes the line as submitted: returns it, remembers it in history (unless it answered a
    /// question, such as a new title, that Up should not bring back as an action), clears the line.
    public mutating func submit(remembering: Bool = true) -> String {
        let line = string
        if remembering && !line.trimmingCharacters(in: .whitespaces).isEmpty && history.last != line {
            history.append(line)
            if history.count > Self.historyLimit { history.removeFirst() }
        }
        text = []
        cursor = 0
        historyIndex = nil
        return line
    }

    /// Clears the line without losing it: unsent text goes into the history, where Up finds it.
    public mutating func stash() {
        let line = string
        if !line.trimmingCharacters(in: .whitespaces).isEmpty && history.last != line {
            history.append(line)
            if history.count > Self.historyLimit { history.removeFirst() }
        }
        clear()
    }

    public mutating func clear() {
        text = []
        cursor = 0
        historyIndex = nil
    }

    private mutating func recall(older: Bool) {
        guard !history.isEmpty else { return }
        if older {
            if historyIndex == nil { draft = text; historyIndex = history.count }
            historyIndex = max(0, historyIndex! - 1)
            text = Array(history[historyIndex!])
        } else {
            guard let index = historyIndex else { return }
            if index + 1 >= history.count {
                historyIndex = nil
                text = draft
            } else {
                historyIndex = index + 1
                text = Array(history[index + 1])
            }
        }
        cursor = text.count
    }
}
