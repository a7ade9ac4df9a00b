import Foundation
import Story

/// One display line of the story pane.
public struct StyledLine: Equatable, Sendable {
    public var text: String
    public var role: Role
}

/// The story wrapped to the window: paragraphs separated by blank lines, actions in
/// their own role, and the reply being written at the end.
public enum StoryLayout {
    /// Lines for a pane `width` columns wide (a one-column margin each side). With a
    /// `limit`, only about the last `limit` lines are laid out, newest last.
    public static func lines(for state: AppState, width: Int, limit: Int?) -> [StyledLine] {
        guard let adventure = state.adventure else { return [] }
        let textWidth = max(1, width - 2)
        var blocks: [(String, Role)] = adventure.blocks.map { ($0.text, $0.kind == .action ? .action : .normal) }
        if let generation = state.generation {
            let text = generation.streamed.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty, let read = generation.promptRead, read.done < read.total {
                blocks.append(("Reading the story… \(read.done) of \(read.total) tokens", .dim))
            } else {
                blocks.append((text.isEmpty ? "…" : text + " …", .streaming))
            }
        }
        var lines: [StyledLine] = []
        for (text, role) in blocks.reversed() {
            var block: [StyledLine] = []
            for line in WordWrap.lines(text, width: textWidth) {
                block.append(StyledLine(text: " " + line, role: role))
            }
            if !lines.isEmpty { block.append(StyledLine(text: "", role: .normal)) }
            lines.insert(contentsOf: block, at: 0)
            if let limit, lines.count >= limit { break }
        }
        return lines
    }

    /// The line of `lines(for:width:limit: nil)` where turn `number` (from 1; 0 for the
    /// opening) begins, or nil when the story has no such turn.
    public static func firstLine(ofTurn number: Int, state: AppState, width: Int) -> Int? {
        guard let adventure = state.adventure else { return nil }
        let textWidth = max(1, width - 2)
        var line = 0
        for block in adventure.blocks {
            let blockNumber = block.turn.map { $0 + 1 } ?? 0
            if blockNumber == number { return line }
            line += WordWrap.lines(block.text, width: textWidth).count + 1  // and the blank line after it
        }
        return nil
    }
}
