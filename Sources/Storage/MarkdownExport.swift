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

    /// Escapes what Markdown would read as syntax, and nothing else, in a way both strict
    /// CommonMark and Python-Markdown undo (Scripts/check_markdown_export.py renders the
    /// cases with both): emphasis, code, links and backslashes with a backslash anywhere;
    /// `<` where it could open a tag and `&` where it could start an entity as entities
    /// (Python-Markdown has no backslash escape for them); and at a line's start, headings,
    /// block quotes, lists (`-`, `+`, `1.`, `1)`), `~~~` fences and thematic breaks.
    static func escape(_ text: String) -> String {
        let characters = Array(text)
        var out = ""
        for (index, character) in characters.enumerated() {
            let next = index + 1 < characters.count ? characters[index + 1] : nil
            switch character {
            case "\\", "`", "*", "_", "[", "]":
                out += "\\" + String(character)
            case "<" where next.map { $0.isLetter || "/!?".contains($0) } ?? false:
                out += "&lt;"
            case "&" where startsEntity(characters[(index + 1)...]):
                out += "&amp;"
            default:
                out.append(character)
            }
        }
        // Block syntax only matters at the start of a line (every paragraph is one line).
        guard let first = out.first else { return out }
        if out.hasPrefix("~~~") { return "&#126;" + out.dropFirst() }
        let rest = out.dropFirst()
        // "#" always: Python-Markdown takes "#word" for a heading too.
        let startsBlock = first == ">" || first == "#"
            || (("-+".contains(first)) && (rest.isEmpty || rest.first == " " || rest.allSatisfy { $0 == first || $0 == " " }))
        if startsBlock { return "\\" + out }
        // An ordered list: digits, then "." or ")", then a space or the end (CommonMark takes
        // up to nine digits, Python-Markdown any number).
        let digits = out.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty {
            let after = out.dropFirst(digits.count)
            if let mark = after.first, mark == "." || mark == ")", after.dropFirst().first.map({ $0 == " " }) ?? true {
                return digits + "\\" + after
            }
        }
        return out
    }

    /// Whether the text after an `&` reads as an entity or character reference (`amp;`,
    /// `#38;`, `#x26;`), which CommonMark would turn into another character.
    private static func startsEntity(_ rest: ArraySlice<Character>) -> Bool {
        guard let semicolon = rest.prefix(33).firstIndex(of: ";"), semicolon > rest.startIndex else { return false }
        let name = rest[rest.startIndex..<semicolon]
        if name.first == "#" {
            let number = name.dropFirst()
            if number.first == "x" || number.first == "X" {
                return (1...6).contains(number.count - 1) && number.dropFirst().allSatisfy(\.isHexDigit)
            }
            return (1...7).contains(number.count) && number.allSatisfy { $0.isASCII && $0.isNumber }
        }
        return name.first?.isLetter == true && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }
}
