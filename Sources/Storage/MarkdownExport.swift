import Foundation
import Story

/// An adventure as Markdown that reads like a book: narration as paragraphs, the
/// player's actions as bold block quotes. Story text is escaped, so a reply holding
/// `*`, `#` or `<script>` renders as those characters, not as formatting or HTML.
enum MarkdownExport {
    static func render(_ adventure: Adventure, date: Date, branches: [StoryTree.Branch] = []) -> String {
        var out = "# \(escape(adventure.title))\n\n"
        out += "*\(escape(AdventureExporter.scenarioName(adventure))) · \(AdventureExporter.dateLine(date))*\n\n---\n"
        out += paragraphs(adventure.blocks)
        if !branches.isEmpty { out += "\n---\n\n## Other branches\n" }
        for (index, branch) in branches.enumerated() {
            out += "\n### \(AdventureExporter.heading(branch, number: index + 1))\n"
            out += paragraphs(AdventureExporter.blocks(branch))
        }
        return out
    }

    private static func paragraphs(_ blocks: [StoryBlock]) -> String {
        var out = ""
        for block in blocks {
            for paragraph in AdventureExporter.paragraphs(block) {
                switch block.kind {
                case .action:
                    out += "\n> **\(escape(AdventureExporter.actionText(paragraph)))**\n"
                case .narration:
                    out += "\n\(escape(paragraph))\n"
                }
            }
        }
        return out
    }

    /// Backslash-escapes Markdown's inline syntax everywhere and block syntax at a line start.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            if "\\`*_[]<>{}|~".contains(character) { out.append("\\") }
            if character == "&" { out += "&amp;"; continue }
            out.append(character)
        }
        // Block syntax only matters at the start: headings, lists, numbered lists, rules.
        if let first = out.first, "#+-=".contains(first) { out = "\\" + out }
        if let dot = out.firstIndex(of: "."), out[..<dot].allSatisfy(\.isNumber), !out[..<dot].isEmpty {
            out.insert("\\", at: dot)
        }
        return out
    }
}
