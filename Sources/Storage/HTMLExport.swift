import Foundation
import Story

/// An adventure as one self-contained HTML page (inline CSS, no scripts, no external
/// files) that reads well on a phone. Every piece of text is escaped.
enum HTMLExport {
    static func render(_ adventure: Adventure, date: Date, branches: [StoryTree.Branch] = []) -> String {
        var body = paragraphs(adventure.blocks)
        if !branches.isEmpty { body += "<h2>Other branches</h2>\n" }
        for (index, branch) in branches.enumerated() {
            body += "<h3>\(escape(AdventureExporter.heading(branch, number: index + 1)))</h3>\n"
            body += paragraphs(AdventureExporter.blocks(branch))
        }
        return page(adventure, date: date, body: body)
    }

    private static func paragraphs(_ blocks: [StoryBlock]) -> String {
        var body = ""
        for block in blocks {
            for paragraph in AdventureExporter.paragraphs(block) {
                switch block.kind {
                case .action:
                    body += "<p class=\"action\">\(escape(AdventureExporter.actionText(paragraph)))</p>\n"
                case .narration:
                    body += "<p>\(escape(paragraph))</p>\n"
                }
            }
        }
        return body
    }

    private static func page(_ adventure: Adventure, date: Date, body: String) -> String {
        let title = escape(adventure.title)
        let meta = "\(escape(AdventureExporter.scenarioName(adventure))) · \(AdventureExporter.dateLine(date))"
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="dungeon">
        <title>\(title)</title>
        <style>
        :root { color-scheme: light dark; --ink: #222; --paper: #fbf8f1; --accent: #7a4a12; --rule: #d9cfbd; }
        @media (prefers-color-scheme: dark) { :root { --ink: #e8e2d6; --paper: #1b1a17; --accent: #e0a85a; --rule: #4a443a; } }
        html { background: var(--paper); color: var(--ink); }
        body { margin: 0 auto; max-width: 38rem; padding: 1.5rem 1.25rem 4rem; font: 1.1rem/1.65 Georgia, "Times New Roman", serif; }
        h1 { font-size: 1.8rem; line-height: 1.25; margin: 0 0 .25rem; }
        h2, h3 { line-height: 1.3; margin: 2.5rem 0 1rem; } h2 { border-top: 1px solid var(--rule); padding-top: 1.5rem; }
        .meta { color: var(--accent); font-style: italic; margin: 0 0 1.5rem; padding-bottom: 1rem; border-bottom: 1px solid var(--rule); }
        p { margin: 0 0 1rem; overflow-wrap: anywhere; }
        .action { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .95rem; color: var(--accent); border-left: 3px solid var(--accent); padding-left: .75rem; margin: 1.5rem 0; }
        .action::before { content: "> "; }
        </style>
        </head>
        <body>
        <h1>\(title)</h1>
        <p class="meta">\(meta)</p>
        \(body)</body>
        </html>

        """
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
